#!/usr/bin/env bash
# Crash durability: clients send transfers with --wait while cpcd is
# SIGKILLed and restarted again and again. Afterwards: every tx a client saw
# confirmed is still served by GET /tx/{hash} at its height, heights are
# contiguous and linked by prev_hash, `cpcd replay` re-executes the chain from
# genesis to exactly the stored state, and the total supply is unchanged.
source "$(dirname "$0")/lib.sh"

ROUNDS="${DURABILITY_ROUNDS:-6}"
CLIENTS=3
PORT=$(free_port)
NODE="http://127.0.0.1:$PORT"
export CPC_HOME="$T_DIR/home"
CLI="$CPC_BIN/cpc-cli"

start_node "$CPC_HOME" "$PORT" --block-time 150 || { fail "node start"; finish; }
supply0=$(curl -fsS "$NODE/status" | jq -r .total_supply)

# Fund one key per client.
for c in $(seq 1 $CLIENTS); do
  "$CLI" keys add "client$c" >/dev/null 2>&1
  addr=$("$CLI" keys show "client$c" | jq -r .address)
  "$CLI" tx send "$addr" 1000 --from faucet --node "$NODE" --wait --output json >/dev/null 2>&1 \
    || fail "funding client$c"
done
"$CLI" keys add sink >/dev/null 2>&1
SINK=$("$CLI" keys show sink | jq -r .address)

# Each client loops: send 0.001 CPC with --wait; record hash+height when the CLI confirms.
client_loop() {
  local c="$1" out
  while [ ! -f "$T_DIR/stop" ]; do
    if out=$("$CLI" tx send "$SINK" 0.001 --from "client$c" --node "$NODE" --wait --timeout 5 --output json 2>/dev/null); then
      h=$(echo "$out" | jq -r '.height // empty'); x=$(echo "$out" | jq -r '.hash // empty')
      [ -n "$h" ] && [ -n "$x" ] && echo "$x $h" >>"$T_DIR/confirmed.$c"
    else
      sleep 0.05
    fi
  done
}
client_pids=()
for c in $(seq 1 $CLIENTS); do client_loop "$c" & client_pids+=($!); done

for r in $(seq 1 "$ROUNDS"); do
  sleep "$(awk -v s=$RANDOM 'BEGIN{srand(s); printf "%.2f", 0.8 + rand()*1.5}')"
  kill_node
  echo "round $r: cpcd SIGKILLed"
  start_node "$CPC_HOME" "$PORT" --block-time 150 || { fail "restart $r"; break; }
done
sleep 1
touch "$T_DIR/stop"; wait "${client_pids[@]}" 2>/dev/null

confirmed=$(cat "$T_DIR"/confirmed.* 2>/dev/null | wc -l)
check "clients saw transfers confirmed across the crashes ($confirmed)" test "$confirmed" -ge 5
missing=0
while read -r hash height; do
  got=$(curl -fsS "$NODE/tx/$hash" | jq -r '.height')
  [ "$got" = "$height" ] || { missing=$((missing+1)); echo "lost: $hash (confirmed at $height, now '$got')"; }
done < <(cat "$T_DIR"/confirmed.* 2>/dev/null)
expect_eq "every confirmed tx is served at its height after restarts" 0 "$missing"

latest=$(curl -fsS "$NODE/status" | jq -r .height)
prev=""; gaps=0
for h in $(seq 0 "$latest"); do
  hdr=$(curl -fsS "$NODE/block/$h" | jq -c .header)
  [ "$(echo "$hdr" | jq -r .height)" = "$h" ] || gaps=$((gaps+1))
  if [ -n "$prev" ] && [ "$(echo "$hdr" | jq -r .prev_hash)" != "$prev" ]; then gaps=$((gaps+1)); fi
  prev=$(echo "$hdr" | jq -r .hash)
done
expect_eq "heights 0..$latest contiguous and hash-linked" 0 "$gaps"
supply1=$(curl -fsS "$NODE/status" | jq -r .total_supply)
expect_eq "total supply unchanged" "$supply0" "$supply1"

stop_node
out=$("$CPC_BIN/cpcd" --home "$CPC_HOME" replay 2>&1); rc=$?
check "cpcd replay: state equals a replay from genesis ($out)" test $rc -eq 0
finish
