#!/usr/bin/env bash
# Measures the slice renderer: axial and sagittal PNG slices of a 512×512×300 int16 .mha (memory-mapped),
# p50 against copying the slice and SkiaSharp encoding alone, and cache-served slices per second. Prints the figures and
# writes artifacts/bench/slices.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build GrandChallenge.Tests -c Release -nologo -clp:ErrorsOnly
dotnet test GrandChallenge.Tests -c Release --no-build --nologo --filter "Category=Benchmark&FullyQualifiedName~SliceBenchmark" \
  --logger "console;verbosity=detailed" | sed -n '/Standard Output Messages:/,/^ *}$/p' | tail -n +2
