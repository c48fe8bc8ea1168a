#!/usr/bin/env bash
# Ensure a throwaway PostgreSQL server for tests on 127.0.0.1:${GC_PG_PORT:-55432} (trust auth, no fsync).
# Usage: .ci/postgres.sh [--stop]
# The cluster lives in ${GC_PG_DIR:-/tmp/gc-postgres} (must be reachable by user postgres).
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
PORT=${GC_PG_PORT:-55432}
DIR=${GC_PG_DIR:-/tmp/gc-postgres}
DATA=$DIR/data
STOP=0
for a in "$@"; do
  case "$a" in
    --stop) STOP=1 ;;
    *) echo "usage: $0 [--stop]" >&2; exit 2 ;;
  esac
done
log() { echo "[setup] $*"; }
# shellcheck disable=SC2012
pgbin() { local b; b=$(ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1 || true); echo "${b%/pg_ctl}"; }
as_pg() { (cd "$DIR" 2>/dev/null || cd /; runuser -u postgres -- "$@"); }
conn="Host=127.0.0.1;Port=$PORT;Username=postgres;Database=postgres"

if ((STOP)); then
  BIN=$(pgbin)
  if [[ -n $BIN && -f $DATA/postmaster.pid ]]; then
    log "stopping postgres in $DATA"
    as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null || true
  fi
  rm -rf "$DIR"
  log "postgres stopped, $DIR removed"
  exit 0
fi

BIN=$(pgbin)
if [[ -z $BIN ]]; then
  log "installing postgresql"
  apt-get update -qq
  # Keep the package from starting its own cluster/service.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  BIN=$(pgbin)
fi

if "$BIN/pg_isready" -q -U postgres -h 127.0.0.1 -p "$PORT"; then
  log "postgres already running on 127.0.0.1:$PORT"
  echo "GC_TEST_POSTGRES=$conn"
  exit 0
fi

major=$("$BIN/postgres" --version | sed -E 's/.* ([0-9]+)[.].*/\1/')
if [[ ! -f $DATA/PG_VERSION || $(cat "$DATA/PG_VERSION") != "$major" ]]; then
  log "creating cluster in $DATA (PostgreSQL $major)"
  rm -rf "$DIR"
  mkdir -p "$DIR"
  chown postgres:postgres "$DIR"
  chmod 755 "$DIR"
  as_pg "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
fi

# Lock files left by a killed server (pid gone or a zombie) would block the start.
for f in "$DATA/postmaster.pid" "$DIR/.s.PGSQL.$PORT.lock"; do
  p=$(head -1 "$f" 2>/dev/null) || continue
  [[ $(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) == [^Z]* ]] || rm -f "$f"
done
log "starting postgres on 127.0.0.1:$PORT"
as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DIR/postgres.log" -w -t 60 start -o \
  "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  >/dev/null || { echo "[setup] ERROR: postgres did not start; log:" >&2; tail -20 "$DIR/postgres.log" >&2; exit 1; }
"$BIN/pg_isready" -q -U postgres -h 127.0.0.1 -p "$PORT"
log "postgres ready"
echo "GC_TEST_POSTGRES=$conn"
