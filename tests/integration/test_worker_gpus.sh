#!/usr/bin/env bash
# cpc-worker with several GPUs, end to end on 127.0.0.1: a real cpcd and real
# cpc-worker processes whose GPUs are the STAND-IN backend
# (src/worker/gpu_standin.h, selected by CPC_WK_STANDIN_GPUS): a test double
# that simulates N devices on the CPU, because this machine has no GPU. What
# it shows is the worker's side: one executor per GPU and the CPU's, matmul
# tasks dispatched across them and paid, `--gpus 0,2 --cpu off` using only
# those two, a device that fails taken out alone (its task run again on
# another), and an unknown index refused. CUDA itself is not exercised here.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
export CPC_HOME="$T_DIR/home"
export CPC_NODE="http://127.0.0.1:$PORT"
start_node "$CPC_HOME" "$PORT" --block-time 200 || { fail "node start"; finish; }
CLI="$CPC_BIN/cpc-cli"
WK="$CPC_BIN/cpc-worker"

out=$(CPC_WK_STANDIN_GPUS=2 "$WK" run --from nobody --gpus 0,7 2>&1); rc=$?
check "--gpus with an unknown index exits non-zero (rc=$rc)" test "$rc" -ne 0
"$WK" run --gpus 0,,1 >/dev/null 2>&1; expect_eq "--gpus malformed list exits 2" 2 $?
"$WK" run --cpu maybe >/dev/null 2>&1; expect_eq "--cpu neither on nor off exits 2" 2 $?

"$CLI" keys add customer >/dev/null 2>&1
CUST=$("$CLI" keys show customer | jq -r .address)
"$CLI" tx send "$CUST" 1000 --from faucet --wait >/dev/null 2>&1; check "fund customer" test $? -eq 0
for i in 1 2; do
  a=$("$WK" init --from "w$i" 2>/dev/null | jq -r .address)
  "$CLI" tx send "$a" 100 --from faucet --wait >/dev/null 2>&1
  "$WK" register --stake 10 --from "w$i" >/dev/null 2>&1; check "w$i registers" test $? -eq 0
done
out=$(CPC_WK_STANDIN_GPUS=2 "$WK" run --from w1 --gpus 0,7 2>&1); rc=$?
expect_eq "a registered worker with --gpus 0,7 on 2 GPUs exits 1" 1 "$rc"
expect_contains "  ... saying which index is unknown" "no GPU 7" "$out"

create_job() { "$CLI" job create "$1" --from customer --wait -o json 2>/dev/null | jq -r .hash; }
wait_done() { # wait_done JOB SECONDS
  local st
  for _ in $(seq 1 $(($2 * 5))); do
    st=$(curl -fsS "$CPC_NODE/market/job/$1" | jq -r .status)
    [ "$st" = completed ] && return 0
    sleep 0.2
  done
  echo "job $1 is $st"; return 1
}
executors() { jq -r 'select(.event=="computed") | .executor' "$1" | sort -u | tr '\n' ' '; }
JOB='{"kind":"matmul","params":{"m":64,"k":48,"n":40,"challenges":4},"tasks":8,"reward":1000000000,"deadline":300,"max_budget":9000000000}'

# --- 4 stand-in GPUs + the CPU ---
echo "$JOB" > "$T_DIR/mm.json"
CPC_WK_STANDIN_GPUS=4 "$WK" run --from w1 --json --no-synthetic --threads 1 \
  >"$T_DIR/w1.log" 2>"$T_DIR/w1.err" &
W1=$!
J1=$(create_job "$T_DIR/mm.json")
check "matmul job on 4 stand-in GPUs + CPU completed" wait_done "$J1" 120
ev=$(jq -c 'select(.event=="executors") | {cpu, gpus, backend}' "$T_DIR/w1.log")
expect_eq "w1 announces its executors" '{"cpu":true,"gpus":4,"backend":"stand-in"}' "$ev"
used=$(executors "$T_DIR/w1.log")
n=$(echo "$used" | wc -w)
check "tasks ran on several executors ($used)" test "$n" -ge 2
case "$used" in *"gpu "*) ok "GPU executors ran tasks" ;; *) fail "no GPU executor ran a task: $used" ;; esac
kill -TERM "$W1"; wait "$W1" 2>/dev/null

# --- --gpus 0,2 --cpu off, and GPU 2 loses its device ---
CPC_WK_STANDIN_GPUS=4 CPC_WK_STANDIN_FAIL=2 "$WK" run --from w2 --json --no-synthetic \
  --threads 1 --gpus 0,2 --cpu off >"$T_DIR/w2.log" 2>"$T_DIR/w2.err" &
W2=$!
J2=$(create_job "$T_DIR/mm.json")
check "matmul job on --gpus 0,2 --cpu off completed" wait_done "$J2" 120
ev=$(jq -c 'select(.event=="executors") | {cpu, gpus}' "$T_DIR/w2.log")
expect_eq "w2 has two GPU executors and no CPU" '{"cpu":false,"gpus":2}' "$ev"
expect_eq "w2 ran every task on GPU 0 (GPU 2 failed, CPU off)" "gpu 0 " "$(executors "$T_DIR/w2.log")"
out=$(jq -r 'select(.event=="gpu_out") | .gpu' "$T_DIR/w2.log")
expect_eq "GPU 2 was taken out, once" "2" "$out"
kill -TERM "$W2"; wait "$W2" 2>/dev/null
finish
