#!/usr/bin/env bash
# Install the Debian 12 packages ComputeChain needs. Idempotent, non-interactive:
# only packages that are missing are installed, and nothing is asked.
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config git jq curl python3
  libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev
  libsecp256k1-dev libsodium-dev libsqlite3-dev libssl-dev
  liboath-dev libjwt-dev libcmocka-dev
  clang libclang-rt-14-dev
  libopenblas-dev libdnnl-dev bubblewrap
  python3-aiosmtpd python3-yaml
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PKGS[@]} packages present"
  exit 0
fi

echo "deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
