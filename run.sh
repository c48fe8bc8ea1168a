#!/usr/bin/env bash
# Runs GrandChallenge.NET on this machine: starts (installing if needed) the Docker engine, applies
# database migrations and serves the platform at http://127.0.0.1:5000 with the embedded SQLite
# database, local file storage and in-process workers. Data lives in ./.data unless GC_DATA_DIR says
# otherwise. Usage: ./run.sh [--urls http://127.0.0.1:PORT] [other ASP.NET Core options]
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOCKER_BUILDKIT=0
export GC_DATA_DIR=${GC_DATA_DIR:-$PWD/.data}

docker/engine.sh || echo "[run] WARNING: no Docker engine; container jobs will wait until one answers."
docker/base-image.sh >/dev/null 2>&1 || true
.ci/imaging-tools.sh || echo "[run] WARNING: no dcmtk/GDCM; compressed DICOM uploads will be refused."

urls=(--urls http://127.0.0.1:5000)
for arg in "$@"; do [[ $arg == --urls* ]] && urls=(); done
echo "[run] data folder: $GC_DATA_DIR"
exec dotnet run --project GrandChallenge.Web -c Release --no-launch-profile -- "${urls[@]}" "$@"
