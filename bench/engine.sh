#!/usr/bin/env bash
# Measures the container engine (issue #3): platform overhead per trivial job against plain `docker run --rm`
# of the same image (median of 30), and trivial jobs per minute with the default slots. Prints the figures
# and writes artifacts/bench/engine.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOCKER_BUILDKIT=0
docker/engine.sh >/dev/null
docker/base-image.sh >/dev/null
dotnet build GrandChallenge.Tests -c Release -nologo -clp:ErrorsOnly
dotnet test GrandChallenge.Tests -c Release --no-build --nologo --filter "Category=Benchmark&FullyQualifiedName~EngineBenchmark" \
  --logger "console;verbosity=detailed" | sed -n '/{/,/}/p'
