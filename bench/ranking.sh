#!/usr/bin/env bash
# Measures the ranking engine: 10,000 results of 2,000 participants with 5 ranked metrics, for every scoring method
# and display mode, median of 25 runs of (read metrics.json text + rank) and of rank alone. Prints the figures and
# writes artifacts/bench/ranking.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build GrandChallenge.Tests -c Release -nologo -clp:ErrorsOnly
dotnet test GrandChallenge.Tests -c Release --no-build --nologo --filter "Category=Benchmark&FullyQualifiedName~RankingBenchmark" \
  --logger "console;verbosity=detailed" | sed -n '/Standard Output Messages:/,/^ *}$/p' | tail -n +2
