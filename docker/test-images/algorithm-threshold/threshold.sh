#!/bin/sh
# Reads the one .mha file under /input (any image socket: images/<slug>/ or the generic image's /input itself),
# writes /output/images/<OUT_IMAGE>/seg.mha (voxel > threshold -> 1, else 0; same size, spacing, origin, direction),
# /output/<OUT_JSON> (the fraction of voxels above the threshold, a JSON float) and /output/algorithm-threshold-chart.json
# (a Vega-Lite bar chart of the fractions above and below; read only by interfaces with that CHART socket).
#
# Sockets: OUT_IMAGE (default algorithm-threshold-mask) and OUT_JSON (default algorithm-threshold-fraction.json).
# Threshold: /opt/ml/model/threshold.txt when a model provides it, else 0.5 (so any non-zero voxel is foreground).
# Misbehaviour, for the tests, from the text of any input JSON file containing "mode": "two-images" writes a second
# image to the image socket, "bad-json" writes broken JSON, "wrong-kind" writes a string instead of a number,
# "fail" exits 3 after printing to stderr.
set -eu
OUT_IMAGE=${OUT_IMAGE:-algorithm-threshold-mask}
OUT_JSON=${OUT_JSON:-algorithm-threshold-fraction.json}
cat /input/inputs.json 2>/dev/null || true
echo

mode=none
for f in $(find /input -name '*.json' ! -name inputs.json); do
  for m in two-images bad-json wrong-kind fail; do
    if grep -q "\"$m\"" "$f"; then mode=$m; fi
  done
done
echo "mode=$mode"
if [ "$mode" = fail ]; then echo "asked to fail" >&2; exit 3; fi

threshold=0.5
if [ -f /opt/ml/model/threshold.txt ]; then threshold=$(head -n 1 /opt/ml/model/threshold.txt | tr -d ' \r\n'); fi
echo "threshold=$threshold"

in=$(find /input -name '*.mha' | head -n 1)
[ -n "$in" ] || { echo "no .mha input" >&2; exit 2; }
echo "input=$in"

work=/tmp/threshold
mkdir -p "$work"
# The header ends at the line 'ElementDataFile = LOCAL'; the data follows.
header_lines=$(grep -a -n '^ElementDataFile' "$in" | head -n 1 | cut -d: -f1)
head -n "$header_lines" "$in" > "$work/header"
header_bytes=$(wc -c < "$work/header")
field() { grep -a "^$1 *=" "$work/header" | head -n 1 | sed 's/^[^=]*= *//' | tr -d '\r'; }
type=$(field ElementType)
dims=$(field DimSize)
tail -c +$((header_bytes + 1)) "$in" > "$work/data"
if [ "$(field CompressedData)" = True ]; then
  # zlib = 2-byte header + deflate + adler32; give gunzip a gzip header instead (it then complains about the CRC).
  { printf '\037\213\010\000\000\000\000\000\000\377'; tail -c +3 "$work/data"; } > "$work/data.gz"
  gunzip -c "$work/data.gz" > "$work/raw" 2>/dev/null || true
else
  cp "$work/data" "$work/raw"
fi
case "$type" in
  MET_UCHAR) od_type=u1 ;; MET_CHAR) od_type=d1 ;; MET_USHORT) od_type=u2 ;; MET_SHORT) od_type=d2 ;;
  MET_UINT) od_type=u4 ;; MET_INT) od_type=d4 ;; MET_FLOAT) od_type=f4 ;; MET_DOUBLE) od_type=f8 ;;
  *) echo "unsupported ElementType $type" >&2; exit 2 ;;
esac
count=1
for d in $dims; do count=$((count * d)); done

mkdir -p "/output/images/$OUT_IMAGE"
out="/output/images/$OUT_IMAGE/seg.mha"
grep -a -v -E '^(ElementType|CompressedData|CompressedDataSize|ElementDataFile|WindowCenter|WindowWidth|ElementNumberOfChannels|HeaderSize) *=' "$work/header" > "$out"
printf 'CompressedData = False\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n' >> "$out"
od -An -v -t "$od_type" "$work/raw" | awk -v t="$threshold" -v n="$count" -v frac="$work/fraction" '
  { for (i = 1; i <= NF; i++) { if (seen < n) { v[seen++] = ($i + 0 > t + 0) ? 1 : 0 } } }
  END {
    if (seen != n) { print "expected " n " voxels, read " seen > "/dev/stderr"; exit 2 }
    above = 0; line = ""
    for (i = 0; i < n; i++) { above += v[i]; line = line (v[i] ? "\\001" : "\\000") }
    printf "%s", line > "/tmp/threshold/escapes"
    printf "%.6f", above / n > frac
  }'
printf "$(cat "$work/escapes")" >> "$out"
fraction=$(cat "$work/fraction")
echo "fraction=$fraction"

case "$mode" in
  two-images) cp "$out" "/output/images/$OUT_IMAGE/second.mha" ;;
esac
case "$mode" in
  bad-json) printf '{"fraction": ' > "/output/$OUT_JSON" ;;
  wrong-kind) printf '"%s"' "$fraction" > "/output/$OUT_JSON" ;;
  *) printf '%s' "$fraction" > "/output/$OUT_JSON" ;;
esac
below=$(awk -v f="$fraction" 'BEGIN { printf "%.6f", 1 - f }')
printf '{"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "description": "Voxels above and below the threshold", "data": {"values": [{"part": "above", "fraction": %s}, {"part": "below", "fraction": %s}]}, "mark": "bar", "encoding": {"x": {"field": "part", "type": "nominal"}, "y": {"field": "fraction", "type": "quantitative"}}}' \
  "$fraction" "$below" > /output/algorithm-threshold-chart.json
echo "done"
