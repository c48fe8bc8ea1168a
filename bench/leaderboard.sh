#!/usr/bin/env bash
# Measures leaderboards (issue #4): re-ranking and reading a phase with 10,000 evaluations x 5 metrics, the first
# render of its page, and 20 concurrent submissions end to end on the real engine. Prints the figures and writes
# artifacts/bench/leaderboard.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOCKER_BUILDKIT=0
docker/engine.sh >/dev/null
docker/base-image.sh >/dev/null
dotnet build GrandChallenge.Tests -c Release -nologo -clp:ErrorsOnly
dotnet test GrandChallenge.Tests -c Release --no-build --nologo --filter "Category=Benchmark&FullyQualifiedName~LeaderboardBenchmark" \
  --logger "console;verbosity=detailed" | sed -n '/{/,/}/p'
