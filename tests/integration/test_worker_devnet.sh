#!/usr/bin/env bash
# cpc-worker end to end on 127.0.0.1: a real cpcd and three real cpc-worker
# processes complete a hashpow, a matmul and a vanity job, and every task is
# paid exactly once (the workers' "paid" events add up to the jobs' rewards and
# the chain says every task is done). An exec job runs on three replicas that
# commit, then reveal; a worker SIGKILLed between its commitment and its
# reveal reveals after its restart. Then a worker is SIGKILLed in the middle
# of a matmul task and restarted: the task is finished and paid once, and no
# task id was ever submitted twice by it. Then the node is SIGKILLed and
# restarted under the running workers: they rejoin by themselves and finish a
# new job.
source "$(dirname "$0")/lib.sh"
SRC="${CPC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
PORT=$(free_port)
export CPC_HOME="$T_DIR/home"
export CPC_NODE="http://127.0.0.1:$PORT"
start_node "$CPC_HOME" "$PORT" --block-time 200 || { fail "node start"; finish; }
CLI="$CPC_BIN/cpc-cli"
WK="$CPC_BIN/cpc-worker"

out=$("$WK" --help); check "cpc-worker --help exits 0" test $? -eq 0
expect_contains "help names the commands" "register --stake N" "$out"
"$WK" frobnicate >/dev/null 2>&1; expect_eq "unknown command exits 2" 2 $?
"$WK" run --threads zero >/dev/null 2>&1; expect_eq "bad --threads exits 2" 2 $?
out=$("$WK" run --from nobody 2>&1); expect_contains "missing key is explained" "cpc-worker init --from nobody" "$out"
"$WK" gpu-check --gpus 0 --kernel nope >/dev/null 2>&1; expect_eq "gpu-check: unknown kernel exits 2" 2 $?
out=$("$WK" gpu-check --gpus 0 --kernel wgmma 2>&1); rc=$?
if [ "$("$WK" devices --json | jq .cuda_devices)" = 0 ]; then
  expect_eq "gpu-check without a GPU exits 1" 1 "$rc"
  check "  ... and says why ($out)" test -n "$out"
fi

"$CLI" keys add customer >/dev/null 2>&1
CUST=$("$CLI" keys show customer | jq -r .address)
"$CLI" tx send "$CUST" 1000 --from faucet --wait >/dev/null 2>&1; check "fund customer" test $? -eq 0
declare -A ADDR
for i in 1 2 3; do
  a=$("$WK" init --from "w$i" 2>/dev/null | jq -r .address)
  ADDR[$i]=$a
  "$CLI" tx send "$a" 100 --from faucet --wait >/dev/null 2>&1
  out=$("$WK" register --stake 10 --from "w$i" 2>&1); rc=$?
  check "w$i registers (rc=$rc)" test $rc -eq 0
done
again=$("$WK" init --from w1 2>/dev/null | jq -r .created)
expect_eq "init reuses an existing key" false "$again"
out=$("$WK" register --stake 10 --from w1 --node "http://127.0.0.1:$(free_port)" 2>&1); rc=$?
check "register against a dead node fails clearly (rc=$rc)" test $rc -ne 0
expect_contains "  ... naming the node" "Connection refused" "$out"

declare -A WPID
start_worker() { # start_worker I [flags]
  local i="$1"; shift
  "$WK" run --from "w$i" --json --no-synthetic --threads 1 "$@" >>"$T_DIR/w$i.log" 2>>"$T_DIR/w$i.err" &
  WPID[$i]=$!
}
for i in 1 2 3; do start_worker "$i"; done

create_job() { # create_job FILE -> job id
  "$CLI" job create "$1" --from customer --wait -o json 2>/dev/null | jq -r .hash
}
wait_done() { # wait_done JOB SECONDS
  local st
  for _ in $(seq 1 $(($2 * 5))); do
    st=$(curl -fsS "$CPC_NODE/market/job/$1" | jq -r .status)
    [ "$st" = completed ] && return 0
    sleep 0.2
  done
  echo "job $1 is $st"; curl -fsS "$CPC_NODE/market/job/$1" | jq -c '{status,tasks_done,task_counts}'
  return 1
}
paid_sum() { cat "$T_DIR"/w*.log | jq -s '[.[] | select(.event=="paid") | .reward] | add // 0'; }
wait_paid() { # wait_paid SUM SECONDS: until the workers' paid events add up to SUM
  for _ in $(seq 1 $(($2 * 10))); do
    [ "$(paid_sum 2>/dev/null)" = "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

JH=$(create_job "$SRC/examples/jobs/hashpow.json")
JM=$(create_job "$SRC/examples/jobs/matmul.json")
JV=$(create_job "$SRC/examples/jobs/vanity.json")
check "three jobs created" test -n "$JH" -a -n "$JM" -a -n "$JV"
check "hashpow job completed" wait_done "$JH" 90
check "matmul job completed" wait_done "$JM" 90
check "vanity job completed" wait_done "$JV" 90
for j in "$JH" "$JM" "$JV"; do
  d=$(curl -fsS "$CPC_NODE/market/job/$j" | jq -r '.tasks_done == .contract.tasks')
  expect_eq "job ${j:0:8}: every task done" true "$d"
done
wait_paid 18000000000 30 # the workers log "paid" once they see the settlement
expect_eq "workers' paid events add up to the rewards (6x1 + 3x2 + 2x3 CPC)" 18000000000 "$(paid_sum)"
n=$(cat "$T_DIR"/w*.log | jq -s '[.[] | select(.event=="verified")] | length')
expect_eq "11 verified results" 11 "$n"
busy=0
for i in 1 2 3; do
  c=$(jq -s '[.[] | select(.event=="paid")] | length' "$T_DIR/w$i.log")
  [ "$c" -gt 0 ] && busy=$((busy + 1))
  b=$("$CLI" query balance "${ADDR[$i]}" -o json | jq -r .balance)
  last=$(jq -s '[.[] | select(.balance != null)] | last | .balance' "$T_DIR/w$i.log")
  check "w$i: its last line shows the chain's balance ($last vs $b)" test "$last" -le "$b"
done
check "work spread over several workers ($busy)" test "$busy" -ge 2

# --- exec: an app and its input by content hash, 3 replicas, quorum ---
printf '#!/bin/sh\ntr a-z A-Z < in/0\n' > "$T_DIR/app.sh"
printf 'hello compute\n' > "$T_DIR/input.txt"
APP=$(sha256sum "$T_DIR/app.sh" | cut -c1-64)
IN=$(sha256sum "$T_DIR/input.txt" | cut -c1-64)
code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT --data-binary @"$T_DIR/app.sh" "$CPC_NODE/blobs/$APP")
expect_eq "an anonymous upload is refused" 401 "$code"
# the customer uploads with its key (signed request, charged to its blob quota)
up=$("$CLI" job upload "$T_DIR/app.sh" --from customer -o json 2>&1)
expect_eq "app uploaded under its hash" "$APP" "$(echo "$up" | jq -r .sha256 2>/dev/null)"
up=$("$CLI" job upload "$T_DIR/input.txt" --from customer -o json 2>&1)
expect_eq "input uploaded, charged to the customer" "$CUST" "$(echo "$up" | jq -r .uploader 2>/dev/null)"
cat > "$T_DIR/exec.json" <<JSON
{"kind":"exec","params":{"app":"$APP","inputs":["$IN"],"timeout_s":10,"memory_mb":256},"tasks":1,"replication":3,"reward":1000000000,"deadline":300,"max_budget":4000000000}
JSON
JE=$(create_job "$T_DIR/exec.json")
check "exec job (3 replicas) completed" wait_done "$JE" 90
OUT=$(printf 'HELLO COMPUTE\n' | sha256sum | cut -c1-64)
got=$(curl -fsS "$CPC_NODE/blobs/$OUT" 2>/dev/null)
expect_eq "the app's output was uploaded under its hash" "HELLO COMPUTE" "$got"
# the workers see their tx included a poll later (0.3 s, longer on a loaded machine): wait up to 10 s
for _ in $(seq 1 50); do
  n=$(cat "$T_DIR"/w*.log | jq -s '[.[] | select(.event=="accepted" and .kind=="exec")] | length')
  [ "$n" -ge 3 ] && break
  sleep 0.2
done
expect_eq "three workers each ran a replica" 3 "$n"
# commit-reveal: each SUBMIT_RESULT carried a commitment; each replica then
# revealed the output's hash, once the third commitment closed the window
n=$(cat "$T_DIR"/w*.log | jq -s '[.[] | select(.event=="committed" and .kind=="exec")] | length')
expect_eq "three exec commitments in before the reveals" 3 "$n"
reps=$(curl -fsS "$CPC_NODE/market/job/$JE" | jq -c '[.tasks[0].results[] | {r: .result_hash, s: .state}] | unique')
expect_eq "the three replicas revealed the output's hash" "[{\"r\":\"$OUT\",\"s\":\"revealed\"}]" "$reps"

# --- exec: a worker SIGKILLed between its commitment and its reveal reveals
# after its restart with the salt from its state file ---
kill -TERM "${WPID[3]}"; wait "${WPID[3]}" 2>/dev/null
printf 'hello again\n' > "$T_DIR/input2.txt"
IN2=$(sha256sum "$T_DIR/input2.txt" | cut -c1-64)
OUT2=$(printf 'HELLO AGAIN\n' | sha256sum | cut -c1-64)
up=$("$CLI" job upload "$T_DIR/input2.txt" --from customer -o json 2>&1)
expect_eq "second input uploaded" "$IN2" "$(echo "$up" | jq -r .sha256 2>/dev/null)"
sed "s/$IN/$IN2/" "$T_DIR/exec.json" > "$T_DIR/exec2.json"
JE2=$(create_job "$T_DIR/exec2.json")
STATE1="$CPC_HOME/worker/${ADDR[1]}/state.json"
ph=0
for _ in $(seq 1 300); do
  ph=$(jq '[.items[] | select(.phase=="committed" and (.salt | length) == 64)] | length' "$STATE1" 2>/dev/null || echo 0)
  [ "$ph" -gt 0 ] && break
  sleep 0.1
done
check "w1's exec commitment is in, its salt in the state file" test "$ph" -gt 0
kill -KILL "${WPID[1]}"; wait "${WPID[1]}" 2>/dev/null
st=$(curl -fsS "$CPC_NODE/market/job/$JE2" | jq -c '.tasks[0] | [.status, ([.results[] | select(.result_hash != null)] | length)]')
expect_eq "the commit window is open, no result shown" '["open",0]' "$st"
code=$(curl -s -o /dev/null -w '%{http_code}' "$CPC_NODE/blobs/$OUT2")
expect_eq "  ... nor the output's blob (it would confirm a guess)" 404 "$code"
start_worker 1
start_worker 3
check "exec job completed after w1's restart" wait_done "$JE2" 90
reps=$(curl -fsS "$CPC_NODE/market/job/$JE2" | jq -c '[.tasks[0].results[] | {r: .result_hash, s: .state}] | unique')
expect_eq "  ... every replica revealed, w1's too" "[{\"r\":\"$OUT2\",\"s\":\"revealed\"}]" "$reps"
got=$(curl -fsS "$CPC_NODE/blobs/$OUT2" 2>/dev/null)
expect_eq "  ... and the output uploaded with the reveals" "HELLO AGAIN" "$got"

# --- SIGKILL mid-task, restart: nothing lost, nothing submitted twice ---
kill -TERM "${WPID[2]}" "${WPID[3]}"; wait "${WPID[2]}" "${WPID[3]}" 2>/dev/null
grep -q '"event":"stopped"' "$T_DIR/w3.log"; check "SIGTERM: w3 stops cleanly" test $? -eq 0
grep -q '"event":"stopped"' "$T_DIR/w2.log"; check "SIGTERM: w2 stops cleanly" test $? -eq 0
# searches long enough to be killed in the middle: 4 hashpow tasks of 23 bits
# (~8e6 hashes each), searched in chunks whose progress goes to the state
# file; w1 is killed once a checkpoint is saved (or 2 s into a task)
cat > "$T_DIR/big.json" <<'JSON'
{"kind":"hashpow","params":{"bits":23},"tasks":4,"reward":2500000000,"deadline":600,"max_budget":11000000000}
JSON
STATE="$CPC_HOME/worker/${ADDR[1]}/state.json"
before=$(paid_sum)
JB=$(create_job "$T_DIR/big.json")
killed=0 waited=0
for _ in $(seq 1 600); do
  n=$(jq '.items | length' "$STATE" 2>/dev/null || echo 0)
  c=$(jq '[.items[] | select(.checkpoint > 0)] | length' "$STATE" 2>/dev/null || echo 0)
  [ "$n" -gt 0 ] && waited=$((waited + 1))
  if [ "$c" -gt 0 ] || [ "$waited" -ge 40 ]; then
    kill -KILL "${WPID[1]}"; killed=1; break
  fi
  sleep 0.05
done
wait "${WPID[1]}" 2>/dev/null
check "w1 SIGKILLed in the middle of a task" test "$killed" -eq 1
cp=$(jq '[.items[].checkpoint] | max' "$STATE")
left=$(jq '.items | length' "$STATE")
check "its state file held the unfinished work ($left items, checkpoint $cp)" test "$left" -gt 0
start_worker 1
check "big hashpow job completed after the restart" wait_done "$JB" 240
grep -q '"event":"started".*[1-9] unfinished task' "$T_DIR/w1.log"
check "the restarted worker resumed from its state file" test $? -eq 0
wait_paid $((before + 10000000000)) 30
expect_eq "its four tasks were paid once each" $((before + 10000000000)) "$(paid_sum)"
dups=$(curl -fsS "$CPC_NODE/account/${ADDR[1]}/txs?limit=100" |
  jq '[.txs[] | select(.tx_type=="SUBMIT_RESULT") | .payload.task_id] | group_by(.) | map(select(length > 1)) | length')
expect_eq "w1 never submitted a task twice" 0 "$dups"
n=$(curl -fsS "$CPC_NODE/account/${ADDR[1]}/txs?limit=100" | jq '[.txs[] | select(.tx_type=="SUBMIT_RESULT")] | length')
check "w1's results are on chain ($n SUBMIT_RESULT txs)" test "$n" -gt 0
sets=$(curl -fsS "$CPC_NODE/account/${ADDR[1]}/txs?limit=100" |
  jq '[.txs[] | select(.tx_type=="SUBMIT_RESULT" and (.payload.lease.size // 0) > 1)] | length')
check "w1's results include lease-set members, paid under one signature per answer ($sets)" test "$sets" -gt 0

# --- the node dies and comes back under the workers ---
kill_node
sleep 1
start_node "$CPC_HOME" "$PORT" --block-time 200 || fail "node restart"
JH2=$(create_job "$SRC/examples/jobs/hashpow.json")
check "after a node restart the worker rejoins and completes a new job" wait_done "$JH2" 90
grep -q '"event":"offline"' "$T_DIR/w1.log"; check "w1 reported the outage" test $? -eq 0
kill -TERM "${WPID[1]}"; wait "${WPID[1]}" 2>/dev/null
finish
