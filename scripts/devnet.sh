#!/usr/bin/env bash
# Start a local devnet: one cpcd (solo validator) on 127.0.0.1:8000 with the
# default home (~/.cpc, or CPC_HOME), printing blocks as they happen. The CLI
# uses the same home by default, so `./cpc-cli ... --from faucet` just works.
# WORKERS=N starts N cpc-worker agents once the worker binary supports it.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

HOME_DIR="${CPC_HOME:-$HOME/.cpc}"
LISTEN="${CPC_LISTEN:-127.0.0.1:8000}"
WORKERS="${WORKERS:-3}"
BIN="${CPC_BIN:-$PWD/build/bin}"

mkdir -p "$HOME_DIR"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

echo "devnet: home $HOME_DIR, API http://$LISTEN"
"$BIN/cpcd" --home "$HOME_DIR" --listen "$LISTEN" &
pids+=($!)

# Wait for the API, then show where the faucet is.
for _ in $(seq 1 50); do
  if curl -fsS "http://$LISTEN/status" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
faucet=$(CPC_HOME="$HOME_DIR" "$BIN/cpc-cli" keys show faucet 2>/dev/null | grep '"address"' | awk '{print $2}' | tr -d '",' || true)
echo "devnet: faucet $faucet  (try: ./cpc-cli tx send ADDR 100 --from faucet)"

if [ "$WORKERS" -gt 0 ]; then
  if "$BIN/cpc-worker" --help 2>/dev/null | grep -q "Not implemented yet"; then
    echo "devnet: cpc-worker has no executors in this version; running the node alone"
  else
    for i in $(seq 1 "$WORKERS"); do
      "$BIN/cpc-worker" --home "$HOME_DIR" --from "worker$i" --node "http://$LISTEN" &
      pids+=($!)
    done
  fi
fi
wait "${pids[0]}"
