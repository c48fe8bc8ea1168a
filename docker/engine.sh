#!/usr/bin/env bash
# Ensure a Docker engine answers on unix:///var/run/docker.sock (Debian docker.io, optional gVisor runsc).
# Usage: docker/engine.sh [--require-runsc] [--stop]
set -euo pipefail

export DOCKER_HOST=unix:///var/run/docker.sock DEBIAN_FRONTEND=noninteractive
PIDFILE=/var/run/gc-dockerd.pid
LOG=/var/log/gc-dockerd.log
DAEMON_JSON=/etc/docker/daemon.json
RUNSC_JSON='{"runtimes":{"runsc":{"path":"/usr/bin/runsc","runtimeArgs":["--platform=ptrace","--network=none"]}}}'
REQUIRE_RUNSC=0 STOP=0
for a in "$@"; do
  case "$a" in
    --require-runsc) REQUIRE_RUNSC=1 ;;
    --stop) STOP=1 ;;
    *) echo "usage: $0 [--require-runsc] [--stop]" >&2; exit 2 ;;
  esac
done
log() { echo "[setup] $*"; }
engine_up() { docker info >/dev/null 2>&1; }
has_runsc_runtime() { [[ $(docker info --format '{{json .Runtimes}}' 2>/dev/null) == *'"runsc"'* ]]; }
alive() { [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == [^Z]* ]]; }  # exists and is no zombie
our_pid() { [[ -f $PIDFILE ]] && alive "$(cat "$PIDFILE")" && cat "$PIDFILE"; }

if ((STOP)); then
  if pid=$(our_pid); then
    log "stopping dockerd (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 60); do alive "$pid" || break; sleep 0.5; done
    if alive "$pid"; then log "dockerd did not exit in 30 s, killing"; kill -KILL "$pid"; fi
    log "dockerd stopped"
  else
    log "no dockerd started by this script is running"
  fi
  rm -f "$PIDFILE"
  exit 0
fi

# Fast path: an engine answers already (and has runsc when it is required).
if engine_up && { ((!REQUIRE_RUNSC)) || has_runsc_runtime; }; then
  log "docker engine already running ($(docker version --format '{{.Server.Version}}, API {{.Server.APIVersion}}'))"
  exit 0
fi

# Install what is missing; apt-get update at most once, only when something must be installed.
runsc_available() { [[ -x /usr/bin/runsc || $(apt-cache policy runsc 2>/dev/null) == *'Candidate: '[0-9]* ]]; }
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
if [[ ! -x /usr/bin/runsc ]]; then
  if ! runsc_available; then
    log "refreshing package lists"; apt-get update -qq; updated=1
  fi
  if runsc_available; then missing+=(runsc); else log "WARNING: package runsc is not available from apt: gVisor runtime disabled"; fi
fi
if ((${#missing[@]})); then
  [[ -n ${updated:-} ]] || { log "refreshing package lists"; apt-get update -qq; }
  # Keep package maintainer scripts from starting their own daemons (we start dockerd ourselves).
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  log "installing ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Register runsc in daemon.json (merged into any existing settings; written only when it differs).
config_changed=0
if [[ -x /usr/bin/runsc ]]; then
  mkdir -p /etc/docker
  if [[ -s $DAEMON_JSON ]] && command -v jq >/dev/null; then
    want=$(jq -S --argjson r "$RUNSC_JSON" '. * $r' "$DAEMON_JSON")
    have=$(jq -S . "$DAEMON_JSON")
  else
    want=$(printf '%s\n' "$RUNSC_JSON") have=$(cat "$DAEMON_JSON" 2>/dev/null || true)
  fi
  if [[ "$want" != "$have" ]]; then
    [[ -s $DAEMON_JSON ]] && cp "$DAEMON_JSON" "$DAEMON_JSON.bak"
    printf '%s\n' "$want" >"$DAEMON_JSON"; config_changed=1
    log "wrote $DAEMON_JSON (runsc runtime)"
  fi
elif ((REQUIRE_RUNSC)); then
  echo "[setup] ERROR: --require-runsc given but runsc is not installed" >&2; exit 1
fi

if engine_up; then
  # Running engine without runsc: reload its configuration (SIGHUP re-reads runtimes).
  pid=$(our_pid || pidof -s dockerd || true)
  if ((config_changed)) && [[ -n $pid ]]; then log "reloading dockerd config (pid $pid)"; kill -HUP "$pid"; sleep 1; fi
else
  if pid=$(our_pid); then
    log "dockerd (pid $pid) is running but not answering yet; waiting"
  else
    # Stale pid files (dead, zombie or reused pid, e.g. after kill -9) make dockerd refuse to start
    # or wait for a containerd that is gone.
    for f in /var/run/docker.pid:dockerd /var/run/docker/containerd/containerd.pid:containerd; do
      p=$(cat "${f%%:*}" 2>/dev/null) || continue
      if [[ $(cat "/proc/$p/comm" 2>/dev/null) != "${f##*:}" ]] || ! alive "$p"; then
        rm -f "${f%%:*}"
      fi
    done
    log "starting dockerd (log: $LOG)"
    nohup setsid dockerd --host unix:///var/run/docker.sock --bridge=none --iptables=false --ip6tables=false \
      >>"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
  fi
  for i in $(seq 1 120); do
    engine_up && break
    alive "$(cat "$PIDFILE")" || { echo "[setup] ERROR: dockerd exited; last log lines:" >&2; tail -20 "$LOG" >&2; exit 1; }
    ((i < 120)) || { echo "[setup] ERROR: docker engine did not answer within 60 s" >&2; tail -20 "$LOG" >&2; exit 1; }
    sleep 0.5
  done
fi

runtimes=$(docker info --format '{{json .Runtimes}}')
if [[ -x /usr/bin/runsc ]] && ! has_runsc_runtime; then
  echo "[setup] ERROR: runsc is installed but dockerd does not list it: $runtimes" >&2; exit 1
fi
log "docker engine ready ($(docker version --format '{{.Server.Version}}, API {{.Server.APIVersion}}'); runtimes: $(docker info --format '{{range $k, $v := .Runtimes}}{{$k}} {{end}}'))"
