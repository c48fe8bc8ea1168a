#!/usr/bin/env bash
# Ensure Debian's DICOM tools are installed: GDCM (gdcmconv) decodes compressed DICOM on import, dcmtk
# (dcmdjpeg, dcmdrle, dcmdjpls) is the fallback and, with GDCM, writes the compressed test data.
# Quiet when both are there. Usage: .ci/imaging-tools.sh
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
missing=()
command -v dcmdjpeg >/dev/null 2>&1 || missing+=(dcmtk)
command -v gdcmconv >/dev/null 2>&1 || missing+=(libgdcm-tools)
((${#missing[@]} == 0)) && exit 0

sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null 2>&1 || { echo "[setup] ERROR: ${missing[*]} missing and neither root nor sudo available" >&2; exit 1; }
  sudo=(sudo -n)
fi
echo "[setup] installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
command -v dcmdjpeg >/dev/null && command -v gdcmconv >/dev/null || { echo "[setup] ERROR: DICOM tools still missing after install" >&2; exit 1; }
echo "[setup] DICOM tools ready"
