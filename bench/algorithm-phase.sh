#!/usr/bin/env bash
# Measures an algorithm phase with 100 trivial cases (issue #6): wall time from submission to the leaderboard row against
# the sum of the containers' own run times and against an engine-only baseline (the same 100 containers straight through
# Docker.DotNet, same slots), all in the same run. Prints the figures and writes artifacts/bench/algorithm-phase.json.
# Per-stage timings of every job: set Logging__LogLevel__GrandChallenge.Workers=Debug (and
# Logging__LogLevel__GrandChallenge.Domain.Components=Debug for the job observers) and read the "stage ... took" lines.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOCKER_BUILDKIT=0
docker/engine.sh >/dev/null
docker/base-image.sh >/dev/null
dotnet build GrandChallenge.Tests -c Release -nologo -clp:ErrorsOnly
dotnet test GrandChallenge.Tests -c Release --no-build --nologo --filter "Category=Benchmark&FullyQualifiedName~AlgorithmPhaseBenchmark" \
  --logger "console;verbosity=detailed" | sed -n '/^ *{$/,/^ \{0,1\}}$/p'
