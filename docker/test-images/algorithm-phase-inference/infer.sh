#!/bin/sh
# An algorithm for algorithm-phase tests. Each case has an image at /input/images/algophase-image/ and a number in
# /input/algophase-value.json. It writes that number plus the model's offset (/opt/ml/model/offset, 0 without a model)
# to /output/algophase-score.json. A value of -1 makes it fail with "Case exploded" as the last stderr line; it also
# fails if the ground truth is visible (it never must be).
set -e
if [ -d /opt/ml/input/data/ground_truth ]; then
  echo "The ground truth is visible to the algorithm" >&2
  exit 1
fi
ls /input/images/algophase-image/ | grep -q . || { echo "No image input" >&2; exit 1; }
value=$(cat /input/algophase-value.json)
if [ "$value" = "-1" ]; then
  echo "Case exploded" >&2
  exit 1
fi
offset=0
[ -f /opt/ml/model/offset ] && offset=$(cat /opt/ml/model/offset)
awk -v v="$value" -v o="$offset" 'BEGIN { printf "%s\n", v + o }' > /output/algophase-score.json
echo "case value $value, offset $offset"
