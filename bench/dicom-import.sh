#!/usr/bin/env bash
# Measures DICOM import (issue #5): a 512x512x300 int16 series imported by DicomImageBuilder (read, de-identify,
# assemble, write .mha) against GDCM's own programs on the same files in the same run (gdcmanon over the folder,
# gdcmconv --raw per file). Median of 3; prints the figures and writes artifacts/bench/dicom-import.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
.ci/imaging-tools.sh
dotnet build GrandChallenge.Tests -c Release -nologo -clp:ErrorsOnly
dotnet test GrandChallenge.Tests -c Release --no-build --nologo --filter "Category=Benchmark&FullyQualifiedName~DicomImportBenchmark" \
  --logger "console;verbosity=detailed" | sed -n '/Standard Output Messages:/,/^ *}$/p' | tail -n +2
