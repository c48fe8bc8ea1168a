#!/usr/bin/env bash
# Runs every test of GrandChallenge.NET on a Debian 12 machine that has only the .NET SDK:
# starts (installing if needed) the Docker engine with gVisor, a loopback PostgreSQL and Chromium,
# builds with warnings as errors, checks formatting, then runs unit, integration (SQLite and
# PostgreSQL), Docker and browser tests. Ends with "N passed, N failed[, N skipped]".
# Usage: ./test.sh [extra dotnet test arguments, e.g. --filter Category=Unit]
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOCKER_BUILDKIT=0
started_docker=0 started_postgres=0 step_failures=0
results=artifacts/test-results

cleanup() {
  ((started_postgres)) && .ci/postgres.sh --stop >/dev/null 2>&1
  ((started_docker)) && docker/engine.sh --stop >/dev/null 2>&1
  return 0
}
trap cleanup EXIT

finish() {
  local passed=0 failed=0 skipped=0 trx
  trx=$(ls -t "$results"/*.trx 2>/dev/null | head -1)
  if [[ -n $trx ]]; then
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
    num() { grep -o " $1=\"[0-9]*\"" <<<"$counters" | grep -o '[0-9]*' || echo 0; }
    passed=$(num passed); failed=$(num failed)
    skipped=$(( $(num total) - $(num executed) ))
  fi
  failed=$((failed + step_failures))
  echo
  if ((skipped > 0)); then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
  ((failed == 0 && passed > 0))
  exit $?
}

fail_step() { echo "[test] FAILED: $*"; step_failures=$((step_failures + 1)); }

echo "[test] services"
docker info >/dev/null 2>&1 || started_docker=1
docker/engine.sh --require-runsc || fail_step "Docker engine with runsc could not be started"
docker/base-image.sh || fail_step "base image gc-base:busybox could not be built"
pg_isready -q -h 127.0.0.1 -p "${GC_PG_PORT:-55432}" >/dev/null 2>&1 || started_postgres=1
pg_out=$(.ci/postgres.sh) || fail_step "PostgreSQL could not be started"
echo "$pg_out"
GC_TEST_POSTGRES=$(sed -n 's/^GC_TEST_POSTGRES=//p' <<<"$pg_out" | tail -1)
export GC_TEST_POSTGRES
.ci/chromium.sh || fail_step "Chromium is not usable"
.ci/imaging-tools.sh || fail_step "DICOM tools (dcmtk, GDCM) could not be installed"

echo "[test] build (warnings are errors)"
if ! dotnet build GrandChallenge.sln -c Release -nologo -clp:ErrorsOnly; then
  fail_step "build"
  finish
fi

echo "[test] formatting (dotnet format --verify-no-changes)"
dotnet format GrandChallenge.sln --verify-no-changes --no-restore || fail_step "formatting: run 'dotnet format GrandChallenge.sln'"

echo "[test] tests"
rm -rf "$results"
# Benchmarks (bench/*.sh) measure rather than test; they run only when asked for with a filter.
filter=(--filter "Category!=Benchmark")
for arg in "$@"; do [[ $arg == --filter* ]] && filter=(); done
dotnet test GrandChallenge.Tests -c Release --no-build --nologo \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
  --results-directory "$results" "${filter[@]}" "$@" || true
finish
