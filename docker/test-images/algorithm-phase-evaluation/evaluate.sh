#!/bin/sh
# An evaluation method for algorithm phases. Reads /input/predictions.json (the algorithm jobs) and each job's output
# /input/<job-id>/output/algophase-score.json; every job folder must be listed in predictions.json. Writes
# metrics.json with the mean of the outputs as "score", the number of cases and the jobs listed.
set -e
[ -f /input/predictions.json ] || { echo "No /input/predictions.json" >&2; exit 1; }
listed=$(grep -o '"status": *"Succeeded"' /input/predictions.json | wc -l)
cases=0
sum=0
for output in /input/*/output/algophase-score.json; do
  [ -f "$output" ] || continue
  job=$(basename "$(dirname "$(dirname "$output")")")
  grep -q "\"pk\": *\"$job\"" /input/predictions.json || { echo "Job $job is not in predictions.json" >&2; exit 1; }
  sum=$(awk -v s="$sum" -v v="$(cat "$output")" 'BEGIN { printf "%.6f", s + v }')
  cases=$((cases + 1))
done
[ "$cases" -gt 0 ] || { echo "No job outputs found" >&2; exit 1; }
score=$(awk -v s="$sum" -v n="$cases" 'BEGIN { printf "%.6f", s / n }')
truth=0
[ -d /opt/ml/input/data/ground_truth ] && truth=$(find /opt/ml/input/data/ground_truth -type f | wc -l)
cat > /output/metrics.json <<JSON
{"score": $score, "cases": $cases, "jobs_listed": $listed, "ground_truth_files": $truth}
JSON
echo "Scored $cases case(s): $score"
