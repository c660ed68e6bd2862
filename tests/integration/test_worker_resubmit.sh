#!/usr/bin/env bash
# cpc-worker across a crash between posting a result and seeing it verified:
# a worker is SIGKILLed while its state file holds a signed SUBMIT_RESULT
# ("submitted"), the tx is committed while it is down (the test posts the
# saved bytes itself when the kill came before the worker's own post), and the
# restarted worker posts the same bytes again. The node answers that the nonce
# is used; the worker must see that the nonce is used by this very tx and
# follow it, not sign the result again: exactly one SUBMIT_RESULT of the task
# is on chain, and the task is paid once.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
export CPC_HOME="$T_DIR/home"
export CPC_NODE="http://127.0.0.1:$PORT"
start_node "$CPC_HOME" "$PORT" --block-time 200 || { fail "node start"; finish; }
CLI="$CPC_BIN/cpc-cli"
WK="$CPC_BIN/cpc-worker"

"$CLI" keys add customer >/dev/null 2>&1
"$CLI" tx send "$("$CLI" keys show customer | jq -r .address)" 100 --from faucet --wait >/dev/null 2>&1
check "fund customer" test $? -eq 0
W=$("$WK" init --from w1 2>/dev/null | jq -r .address)
"$CLI" tx send "$W" 100 --from faucet --wait >/dev/null 2>&1
"$WK" register --stake 10 --from w1 >/dev/null 2>&1; check "w1 registers" test $? -eq 0
STATE="$CPC_HOME/worker/$W/state.json"
start_worker() {
  "$WK" run --from w1 --json --no-synthetic --threads 1 >>"$T_DIR/w1.log" 2>>"$T_DIR/w1.err" &
  WPID=$!
}
start_worker

cat > "$T_DIR/job.json" <<'JSON'
{"kind":"hashpow","params":{"bits":6},"tasks":1,"reward":1000000000,"deadline":300,"max_budget":2000000000}
JSON
J=$("$CLI" job create "$T_DIR/job.json" --from customer --wait -o json 2>/dev/null | jq -r .hash)
check "job created" test -n "$J"

# kill w1 the moment its state file holds the signed result (for at most 60 s:
# a count of polls is no bound when a loaded machine makes each jq slow)
killed=0
end=$((SECONDS + 60))
while [ "$SECONDS" -lt "$end" ]; do
  if [ "$(jq -r '[.items[]? | select(.phase == "submitted")] | length' "$STATE" 2>/dev/null)" = 1 ]; then
    kill -KILL "$WPID"; killed=1; break
  fi
  sleep 0.005
done
wait "$WPID" 2>/dev/null
check "w1 SIGKILLed with a submitted result in its state file" test "$killed" -eq 1
TX=$(jq -c '.items[] | select(.phase == "submitted") | .tx' "$STATE")
H=$(echo "$TX" | jq -r .hash)
TASK=$(echo "$TX" | jq -r .payload.task_id)
check "the state file holds the signed tx ($H)" test -n "$H" -a "$H" != null

# make sure that tx is committed while w1 is down (post it if w1 had not)
st=""
for _ in $(seq 1 100); do
  st=$(curl -fsS "$CPC_NODE/tx/$H" 2>/dev/null | jq -r .status)
  [ "$st" = success ] && break
  [ "$st" = pending ] || curl -fsS -X POST -H 'Content-Type: application/json' -d "$TX" "$CPC_NODE/tx" >/dev/null 2>&1
  sleep 0.1
done
expect_eq "the saved tx is committed (success) before the restart" success "$st"

start_worker
paid=0
for _ in $(seq 1 150); do
  paid=$(jq -s '[.[] | select(.event == "paid")] | length' "$T_DIR/w1.log")
  [ "$paid" -ge 1 ] && break
  sleep 0.2
done
expect_eq "the restarted worker saw the task paid" 1 "$paid"
kill -TERM "$WPID"; wait "$WPID" 2>/dev/null
n=$(curl -fsS "$CPC_NODE/account/$W/txs?limit=100" |
  jq --arg t "$TASK" '[.txs[] | select(.tx_type == "SUBMIT_RESULT" and .payload.task_id == $t)] | length')
expect_eq "exactly one SUBMIT_RESULT of the task on chain" 1 "$n"
st=$(curl -fsS "$CPC_NODE/market/job/$J" | jq -r .status)
expect_eq "the job completed" completed "$st"
grep -q '"event":"refused"' "$T_DIR/w1.log"
check "the worker logged no refused tx" test $? -ne 0
finish
