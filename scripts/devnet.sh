#!/usr/bin/env bash
# Start a local devnet: one cpcd (solo validator) on 127.0.0.1:8000 with the
# default home (~/.cpc, or CPC_HOME) and WORKERS cpc-worker agents (default 3,
# CPU). Each worker gets a key (worker1..N), 1000 CPC from the faucet and a
# 100 CPC stake the first time. A customer key then posts one hashpow, one
# matmul and one vanity job every DEMO_EVERY seconds (0 = never), so the
# workers' lines show tasks leased, computed, verified and paid and their
# balances rising; between jobs they do the synthetic kind (paid from the
# genesis pool). The CLI uses the same home: `./cpc-cli ... --from faucet`.
# GPU rentals: scripts/devnet_platform.sh lists each worker's machine as a
# server of a provider account, bound to the worker's key, and gives a
# customer account a platform deposit (README "Renting a GPU"); the workers
# provision rentals as sandboxes on 127.0.0.1 ([provision] in the config).
# Ctrl-C stops everything (the workers finish their task first).
set -euo pipefail
cd "$(dirname "$0")/.."

HOME_DIR="${CPC_HOME:-$HOME/.cpc}"
LISTEN="${CPC_LISTEN:-127.0.0.1:8000}"
WORKERS="${WORKERS:-3}"
DEMO_EVERY="${DEMO_EVERY:-20}"
BIN="${CPC_BIN:-$PWD/build/bin}"
NODE="http://$LISTEN"
export CPC_HOME="$HOME_DIR" CPC_NODE="$NODE"

mkdir -p "$HOME_DIR"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

echo "devnet: home $HOME_DIR, API $NODE"
"$BIN/cpcd" --home "$HOME_DIR" --listen "$LISTEN" --web-dir "$PWD/web/dist" &
pids+=($!)
for _ in $(seq 1 100); do
  if curl -fsS "$NODE/status" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
faucet=$("$BIN/cpc-cli" keys show faucet | jq -r .address)
if [ -f web/dist/index.html ]; then
  echo "devnet: dashboard $NODE/  (sign in with the accounts listed below)"
else
  echo "devnet: dashboard not built (make web); the API is at $NODE/"
fi
echo "devnet: faucet $faucet  (try: ./cpc-cli tx send ADDR 100 --from faucet)"

if ! grep -q '^\[provision\]' "$HOME_DIR/config" 2>/dev/null; then
  printf '\n[provision]\n# devnet: rentals run as sandboxes with sshd on the loopback\nkind = sandbox\nlisten = 127.0.0.1\n' \
    >>"$HOME_DIR/config"
  if [ "$(id -u)" = 0 ]; then
    # a root worker runs each sandbox as nobody, who must be able to walk down to
    # the rentals' folders: the home (0700) will not do, so they live beside it
    RENTALS_DIR="${CPC_RENTALS_DIR:-/var/tmp/cpc-devnet-rentals}"
    mkdir -p "$RENTALS_DIR" && chmod 0711 "$RENTALS_DIR"
    printf 'dir = %s\n' "$RENTALS_DIR" >>"$HOME_DIR/config"
  fi
  echo "devnet: rentals are provisioned as sandboxes on 127.0.0.1 ([provision] in $HOME_DIR/config)"
fi

for i in $(seq 1 "$WORKERS"); do
  out=$("$BIN/cpc-worker" init --from "worker$i" 2>/dev/null)
  addr=$(echo "$out" | jq -r .address)
  if ! curl -fsS "$NODE/market/worker/$addr" >/dev/null 2>&1; then
    "$BIN/cpc-cli" tx send "$addr" 1000 --from faucet --wait >/dev/null
    "$BIN/cpc-worker" register --stake 100 --from "worker$i" >/dev/null
    echo "devnet: worker$i $addr funded (1000 CPC) and registered (100 CPC stake)"
  fi
  # process substitution, so $! is the worker itself (Ctrl-C reaches it, not just sed)
  "$BIN/cpc-worker" run --from "worker$i" --threads 1 > >(sed -u "s/^/[worker$i] /") 2>&1 &
  pids+=($!)
done

HOME_DIR="$HOME_DIR" NODE="$NODE" BIN="$BIN" WORKERS="$WORKERS" bash scripts/devnet_platform.sh ||
  echo "devnet: the GPU-rental set-up failed (see above); the chain runs on"

if [ "$DEMO_EVERY" -gt 0 ]; then
  "$BIN/cpc-cli" keys show customer >/dev/null 2>&1 || "$BIN/cpc-cli" keys add customer >/dev/null
  cust=$("$BIN/cpc-cli" keys show customer | jq -r .address)
  "$BIN/cpc-cli" tx send "$cust" 100000 --from faucet --wait >/dev/null
  (
    while true; do
      for j in hashpow matmul vanity; do
        h=$("$BIN/cpc-cli" job create "examples/jobs/$j.json" --from customer -o json 2>/dev/null | jq -r .hash)
        echo "[customer] $j job ${h:0:12}… posted (examples/jobs/$j.json)"
      done
      sleep "$DEMO_EVERY"
    done
  ) &
  pids+=($!)
fi
wait "${pids[0]}"
