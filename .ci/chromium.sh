#!/usr/bin/env bash
# Ensure Debian's chromium is installed and renders a page headless (for Playwright with ExecutablePath=/usr/bin/chromium).
# Usage: .ci/chromium.sh
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
CHROMIUM=/usr/bin/chromium
log() { echo "[setup] $*"; }

if [[ ! -x $CHROMIUM ]]; then
  log "installing chromium"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# Flags as in DESIGN.md: without the background-networking ones Chromium keeps dialing out on a closed network.
out=$(timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
  --dump-dom about:blank 2>"$profile/stderr.log") || true
if [[ $out != *"<html"* ]]; then
  echo "[setup] ERROR: headless chromium did not render about:blank; stderr:" >&2
  tail -20 "$profile/stderr.log" >&2
  exit 1
fi
log "chromium ready ($("$CHROMIUM" --version 2>/dev/null | head -1))"
