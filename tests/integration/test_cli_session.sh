#!/usr/bin/env bash
# The CLI acceptance session (README), typed verbatim from a folder that
# holds ./cpc-cli, against a node on localhost at a free port (the session
# says localhost:8000; a fixed port would clash with `make run`, so only the
# port differs). The node and the CLI share the home through CPC_HOME, as a
# user's ~/.cpc would.
source "$(dirname "$0")/lib.sh"

PORT=$(free_port)
export CPC_HOME="$T_DIR/home"
start_node "$CPC_HOME" "$PORT" --block-time 300 || { fail "node start"; finish; }
cd "$T_DIR" && ln -s "$CPC_BIN/cpc-cli" ./cpc-cli
NODE="http://localhost:$PORT"

out=$(./cpc-cli keys add worker 2>&1); check "keys add worker" test $? -eq 0
WORKER_ADDR=$(./cpc-cli keys show worker | grep address | awk '{print $2}' | tr -d '",')
check "keys show | grep | awk | tr gives a cpc1 address ($WORKER_ADDR)" bash -c "[[ '$WORKER_ADDR' =~ ^cpc1[02-9ac-hj-np-z]{38}$ ]]"

out=$(./cpc-cli tx send $WORKER_ADDR 100 --from faucet --node $NODE 2>&1)
rc=$?; check "tx send 100 from faucet (rc=$rc: $out)" test $rc -eq 0
# a person types the next command after the tx is in a block (every 300 ms
# here); a loaded machine may take longer, so wait for it (at most 10 s)
for _ in $(seq 1 100); do
  out=$(./cpc-cli query balance $WORKER_ADDR --node $NODE 2>&1)
  case "$out" in *"100 CPC"*) break ;; esac
  sleep 0.1
done
expect_contains "query balance shows 100 CPC" "100 CPC" "$out"

out=$(./cpc-cli tx submit-result --task-id "550e8400-e29b-41d4-a716-446655440000" --result-hash "0x1234567890abcdef" --from worker --node $NODE 2>&1)
rc=$?; check "tx submit-result (rc=$rc: $out)" test $rc -eq 0
HASH=$(echo "$out" | grep -o '[0-9a-f]\{64\}' | head -1)
HEIGHT=""
for _ in $(seq 1 50); do
  HEIGHT=$(./cpc-cli query tx "$HASH" --node $NODE 2>/dev/null | jq -r '.height // empty')
  [ -n "$HEIGHT" ] && [ "$HEIGHT" != null ] && break
  sleep 0.1
done
check "submit-result included at a height ($HEIGHT)" test -n "$HEIGHT"

sel=$(./cpc-cli query block $HEIGHT --node $NODE | jq -c '.txs[] | select(.tx_type == "SUBMIT_RESULT")')
expect_contains "block txs select SUBMIT_RESULT shows the task id" '"task_id":"550e8400-e29b-41d4-a716-446655440000"' "$sel"
expect_contains "block txs select SUBMIT_RESULT shows the result hash" '"result_hash":"1234567890abcdef"' "$sel"
expect_contains "block txs select SUBMIT_RESULT names the worker" "\"worker_address\":\"$WORKER_ADDR\"" "$sel"
root=$(./cpc-cli query block $HEIGHT --node $NODE | jq -r '.header.compute_root')
check "header.compute_root is a 32-byte hex root, not zero ($root)" bash -c "[[ '$root' =~ ^[0-9a-f]{64}$ ]] && [[ '$root' != $(printf '0%.0s' {1..64}) ]]"
st=$(curl -s http://localhost:$PORT/status)
for k in chain_id height latest_block_hash latest_block_time mempool_size peers version; do
  check "curl /status has $k" bash -c "echo '$st' | jq -e 'has(\"$k\")' >/dev/null"
done
# Submitting the same result again with a fresh nonce is a new tx; the worker paid gas twice.
bal=$(./cpc-cli query balance $WORKER_ADDR --node $NODE --output json | jq -r .balance)
check "the worker paid 80000 gas x 1 for SUBMIT_RESULT (balance $bal)" test "$bal" -eq $((100000000000 - 80000))
finish
