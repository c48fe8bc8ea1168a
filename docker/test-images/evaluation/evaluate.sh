#!/bin/sh
# A small evaluation method for tests and the demo challenge. The first line of the predictions decides:
#   a number          -> metrics.json with that score (aggregates.dice.mean too, std 0.01, and a second metric 1-score)
#   fail <message>    -> exits 1 with the message as the last stderr line
#   nometrics         -> writes no metrics.json
#   notjson           -> writes a metrics.json that is not JSON
#   noscore           -> writes metrics.json without the score
#   sleep <seconds> <number> -> sleeps, then scores <number>
# Predictions come as /input/predictions.csv, /input/predictions.json ({"score": n}) or a zip unpacked into /input.
set -e
pred=""
for candidate in /input/predictions.csv /input/predictions.json; do
  [ -f "$candidate" ] && pred="$candidate" && break
done
if [ -z "$pred" ]; then
  pred=$(find /input -type f -name '*.csv' | head -n1)
fi
if [ -z "$pred" ]; then
  echo "No predictions found in /input" >&2
  exit 1
fi

first=$(head -n1 "$pred" | tr -d '\r')
case "$pred" in
  *.json) first=$(sed -n 's/.*"score"[^0-9.-]*\(-\{0,1\}[0-9.][0-9.]*\).*/\1/p' "$pred" | head -n1) ;;
esac

truth_files=0
if [ -d /opt/ml/input/data/ground_truth ]; then
  truth_files=$(find /opt/ml/input/data/ground_truth -type f | wc -l)
fi

echo "Evaluating $pred against $truth_files ground truth file(s)"
case "$first" in
  fail*) echo "${first#fail }" >&2; exit 1 ;;
  nometrics*) exit 0 ;;
  notjson*) echo "this is not json" > /output/metrics.json; exit 0 ;;
  noscore*) echo '{"aggregates": {"other": 1}}' > /output/metrics.json; exit 0 ;;
  sleep*) set -- $first; sleep "$2"; first="$3" ;;
esac

second=$(awk -v s="$first" 'BEGIN { printf "%.6f", 1 - s }')
cat > /output/metrics.json <<JSON
{"score": $first, "aggregates": {"dice": {"mean": $first, "std": 0.01}, "hausdorff": {"mean": $second}, "ground_truth_files": $truth_files}, "case": {}}
JSON
echo "Done: score $first"
