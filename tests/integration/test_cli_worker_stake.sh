#!/usr/bin/env bash
# The worker bond through cpc-cli against a real cpcd (docs/market.md, "Worker
# stake"): a registration below the genesis min_worker_stake (10 CPC) fails,
# 10 CPC registers with a lease cap of 2; UNSTAKE of the locked stake fails;
# `worker deregister` starts the unbonding (lease cap 0, cpc-worker run says
# so, a second one fails); UNSTAKE still fails before unbonding_blocks (the
# devnet's 100: 20 s of 200 ms blocks, room for the dozen blocks a --wait can
# take on a loaded machine) and takes the whole stake back after.
source "$(dirname "$0")/lib.sh"

PORT=$(free_port)
export CPC_HOME="$T_DIR/home"
export CPC_NODE="http://127.0.0.1:$PORT"
CLI="$CPC_BIN/cpc-cli"
"$CPC_BIN/cpcd" --home "$CPC_HOME" init >/dev/null 2>&1; check "cpcd init" test $? -eq 0
G="$CPC_HOME/genesis.json"
expect_eq "the devnet genesis sets min_worker_stake 10 CPC" 10000000000 "$(jq -r .params.min_worker_stake "$G")"
expect_eq "the devnet genesis sets unbonding_blocks 100" 100 "$(jq -r .params.unbonding_blocks "$G")"
start_node "$CPC_HOME" "$PORT" --block-time 200 || { fail "node start"; finish; }

"$CLI" keys add worker >/dev/null 2>&1; check "keys add worker" test $? -eq 0
WORKER=$("$CLI" keys show worker | jq -r .address)
out=$("$CLI" tx send "$WORKER" 100 --from faucet --wait 2>&1); check "fund worker ($out)" test $? -eq 0

# the minimum stake
out=$("$CLI" worker register --stake 0 --from worker --wait 2>&1); rc=$?
check "worker register --stake 0 fails (rc=$rc)" test $rc -ne 0
expect_contains "  ... naming the minimum" "a worker must lock at least 10 CPC" "$out"
out=$("$CLI" worker register --stake 9.5 --from worker --wait 2>&1); rc=$?
check "worker register --stake 9.5 fails (rc=$rc)" test $rc -ne 0
code=$(curl -s -o /dev/null -w '%{http_code}' "$CPC_NODE/market/worker/$WORKER")
expect_eq "a failed registration leaves no worker record" 404 "$code"
out=$("$CLI" worker register --stake 10 --from worker --wait 2>&1); rc=$?
check "worker register --stake 10 (rc=$rc: $out)" test $rc -eq 0
w=$("$CLI" worker show worker 2>&1)
expect_eq "worker show: 10 CPC locked" 10000000000 "$(echo "$w" | jq -r .locked)"
expect_eq "worker show: bonded" null "$(echo "$w" | jq -r .unbonding_since)"
expect_eq "worker show: a fresh worker with the minimum stake leases 2" 2 "$(echo "$w" | jq -r .lease_cap)"

out=$("$CLI" tx unstake 1 --from worker --wait 2>&1); rc=$?
check "tx unstake of locked stake fails (rc=$rc)" test $rc -ne 0
expect_contains "  ... saying how to free it" "send WORKER_DEREGISTER" "$out"

# deregister
out=$("$CLI" worker deregister --help 2>&1); rc=$?
check "worker deregister --help exits 0" test $rc -eq 0
expect_contains "worker deregister --help shows its usage" "Usage: cpc-cli worker deregister --from KEY" "$out"
out=$("$CLI" worker deregister --from worker --wait 2>&1); rc=$?
check "worker deregister (rc=$rc: $out)" test $rc -eq 0
expect_contains "  ... included" "status: success" "$out"
w=$("$CLI" worker show worker 2>&1)
SINCE=$(echo "$w" | jq -r .unbonding_since)
check "worker show: unbonding since a height ($SINCE)" bash -c "[[ '$SINCE' =~ ^[0-9]+$ ]]"
expect_eq "worker show: no new leases" 0 "$(echo "$w" | jq -r .lease_cap)"
tx=$(curl -fsS "$CPC_NODE/account/$WORKER/txs?limit=10" | jq -c '[.txs[] | select(.tx_type=="WORKER_DEREGISTER")][0] | {payload, gas}')
expect_eq "the chain holds the WORKER_DEREGISTER ({} payload, 50,000 gas)" '{"payload":{},"gas":50000}' "$tx"
out=$(timeout 4 "$CPC_BIN/cpc-worker" run --from worker --json --no-synthetic --threads 1 2>&1)
expect_contains "cpc-worker run says why it gets no lease" "deregistered at height $SINCE: no new leases" "$out"
expect_contains "  ... and the lease call's answer" "the worker is deregistering" "$out"
out=$("$CLI" worker deregister --from worker --wait 2>&1); rc=$?
check "a second deregister fails (rc=$rc)" test $rc -ne 0
expect_contains "  ... already" "already deregistering" "$out"

out=$("$CLI" tx unstake 10 --from worker --wait 2>&1); rc=$?
check "tx unstake during the unbonding fails (rc=$rc)" test $rc -ne 0
expect_contains "  ... naming the height" "until height $((SINCE + 100))" "$out"

passed=1
for _ in 1 2 3 4 5 6; do wait_height "$PORT" $((SINCE + 100)) && { passed=0; break; }; done
check "the unbonding period passes" test "$passed" -eq 0
before=$("$CLI" query account "$WORKER")
out=$("$CLI" tx unstake 10 --from worker --wait 2>&1); rc=$?
check "tx unstake after the unbonding (rc=$rc: $out)" test $rc -eq 0
after=$("$CLI" query account "$WORKER")
expect_eq "the stake is back in the balance" 0 "$(echo "$after" | jq -r .stake)"
FEE=$(curl -fsS "$CPC_NODE/account/$WORKER/txs?limit=1" | jq -r '.txs[0].fee')
expect_eq "  ... all 10 CPC of it (minus the fee)" \
  "$(( $(echo "$before" | jq -r .balance) + 10000000000 - FEE ))" "$(echo "$after" | jq -r .balance)"
expect_eq "worker show: nothing locked" 0 "$("$CLI" worker show worker | jq -r .locked)"
finish
