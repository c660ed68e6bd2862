#!/usr/bin/env bash
# Install the Debian 12 packages ComputeChain needs. Idempotent, non-interactive:
# only packages that are missing are installed, and nothing is asked.
# openssh-server is for the worker's sandbox rentals (src/worker/provision_sandbox.c),
# which run their own /usr/sbin/sshd in bubblewrap: when this script installs it,
# the system's ssh service is neither started (policy-rc.d) nor enabled.
# chromium runs the dashboard's browser tests (web/e2e, Playwright).
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config git jq curl python3
  libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev
  libsecp256k1-dev libsodium-dev libsqlite3-dev libssl-dev
  liboath-dev libjwt-dev libcmocka-dev
  clang libclang-rt-14-dev
  libopenblas-dev libdnnl-dev bubblewrap
  python3-aiosmtpd python3-yaml
  openssh-server openssh-client
  zlib1g-dev
  chromium fonts-liberation
)
# Node.js and npm build the dashboard (web/); a machine that already has a
# Node.js (Debian's or NodeSource's, which bundles npm) keeps it.
if ! command -v node >/dev/null 2>&1; then PKGS+=(nodejs npm); fi

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
new_sshd=0
case " ${missing[*]} " in *" openssh-server "*) new_sshd=1 ;; esac
policy_made=0
if [ "$new_sshd" = 1 ] && [ ! -e /usr/sbin/policy-rc.d ]; then
  # exit 101 = "action not allowed": the package's service is not started
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  policy_made=1
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [ "$policy_made" = 1 ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
if [ "$new_sshd" = 1 ] && command -v systemctl >/dev/null 2>&1; then
  $SUDO systemctl disable --quiet ssh.service ssh.socket 2>/dev/null || true
fi
echo "deps: done"
