#!/bin/sh
case "$BEHAVIOUR" in
  happy)
    echo "uid=$(id -u)"
    echo "inputs: $(ls /input | tr '\n' ' ')"
    echo scratch > /tmp/scratch && echo "tmp writable"
    mkdir -p /output/images/seg
    cp /input/value.json /output/echo.json
    echo '{"score": 0.9}' > /output/metrics.json
    echo "segmentation" > /output/images/seg/out.mha
    echo "done" >&2 ;;
  network)
    echo "interfaces: $(ls /sys/class/net | tr '\n' ' ')"
    if wget -q -T 3 -O /dev/null http://example.org 2>/dev/null; then echo "network reachable"; exit 0; fi
    echo "network blocked" >&2; exit 7 ;;
  forkbomb)
    # Forks until the pids limit refuses; busybox sh then stops with "can't fork".
    while true; do sleep 30 & done ;;
  memhog)
    awk 'BEGIN { s = "x"; while (1) s = s s }' ;;
  sleeper)
    trap 'echo "got SIGTERM, stopping" >&2; exit 143' TERM
    echo "sleeping"
    sleep 600 & wait ;;
  writer)
    echo "writing to /"
    touch /evil ;;
  symlink)
    ln -s /etc/passwd /output/leak ;;
  symlinkdir)
    mkdir -p /output/ok && ln -s / /output/ok/root ;;
  bigoutput)
    dd if=/dev/zero of=/output/big bs=1M count=64 2>/dev/null
    sleep 5 ;;
  fail)
    echo "loading model"
    echo "warning: something odd" >&2
    echo "Model weights missing" >&2
    echo "" >&2
    exit 2 ;;
  *)
    echo "unknown behaviour '$BEHAVIOUR'" >&2; exit 64 ;;
esac
