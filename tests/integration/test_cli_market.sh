#!/usr/bin/env bash
# The marketplace through cpc-cli against a real cpcd: a worker registers;
# a customer quotes a high-level request (job quote), confirms the draft
# (job confirm: a signed JOB_CREATE of the draft's contract, escrowed on
# chain), shows it (job show), lists drafts (job list), cancels it (job
# cancel: a signed JOB_CANCEL, escrow refunded) and drops an unconfirmed
# draft; bad input fails with the node's message and a non-zero exit.
source "$(dirname "$0")/lib.sh"

PORT=$(free_port)
export CPC_HOME="$T_DIR/home"
start_node "$CPC_HOME" "$PORT" --block-time 200 || { fail "node start"; finish; }
CLI="$CPC_BIN/cpc-cli"
export CPC_NODE="http://127.0.0.1:$PORT"

"$CLI" keys add alice >/dev/null 2>&1; check "keys add alice" test $? -eq 0
"$CLI" keys add worker >/dev/null 2>&1; check "keys add worker" test $? -eq 0
ALICE=$("$CLI" keys show alice | jq -r .address)
WORKER=$("$CLI" keys show worker | jq -r .address)
out=$("$CLI" tx send "$ALICE" 1000 --from faucet --wait 2>&1); check "fund alice ($out)" test $? -eq 0
out=$("$CLI" tx send "$WORKER" 100 --from faucet --wait 2>&1); check "fund worker ($out)" test $? -eq 0

# worker register
out=$("$CLI" worker register --stake 10 --from worker --wait 2>&1)
rc=$?; check "worker register --stake 10 (rc=$rc: $out)" test $rc -eq 0
out=$("$CLI" worker show worker 2>&1)
expect_eq "worker show: 10 CPC locked" "10000000000" "$(echo "$out" | jq -r .locked)"

# help for each new command
for sub in quote confirm list; do
  out=$("$CLI" job $sub --help 2>&1); rc=$?
  check "job $sub --help exits 0" test $rc -eq 0
  expect_contains "job $sub --help shows its usage" "Usage: cpc-cli job $sub" "$out"
done

# quote
cat > "$T_DIR/req.json" <<'JSON'
{"type":"ml_training","framework":"pytorch","dataset_size":"500GB","model_params":"70B","priority":"high","max_budget":1000}
JSON
out=$("$CLI" job quote "$T_DIR/req.json" 2>&1); rc=$?
check "job quote (rc=$rc)" test $rc -eq 0
expect_contains "quote: job type" "job type: Heavy" "$out"
expect_contains "quote: the rule" "ceil(168/80) = 3 GPUs of 80 GB" "$out"
expect_contains "quote: the estimate" "estimate: 74.25 CPC" "$out"
DRAFT=$(echo "$out" | awk '/^draft:/ {print $2}')
check "quote printed a draft id ($DRAFT)" bash -c "[[ '$DRAFT' =~ ^[0-9a-f-]{36}$ ]]"
json=$("$CLI" job quote "$T_DIR/req.json" -o json)
expect_eq "quote -o json: total" "74250000000" "$(echo "$json" | jq -r .quote.total)"
DRAFT2=$(echo "$json" | jq -r .id)

# confirm: escrow moves on chain
before=$("$CLI" query balance "$ALICE" -o json | jq -r .balance)
out=$("$CLI" job confirm "$DRAFT" --from alice --wait 2>&1); rc=$?
check "job confirm (rc=$rc: $out)" test $rc -eq 0
expect_contains "confirm: tx included" "status: success" "$out"
JOB=$(echo "$out" | awk '/^job_id:/ {print $2}')
check "confirm printed the job id ($JOB)" bash -c "[[ '$JOB' =~ ^[0-9a-f]{64}$ ]]"
after=$("$CLI" query balance "$ALICE" -o json | jq -r .balance)
FEE=$(curl -s "$CPC_NODE/tx/$JOB" | jq -r .fee)
expect_eq "alice paid 74.25 CPC into escrow plus the fee" "$((before - 74250000000 - FEE))" "$after"

# show (draft id and job id)
out=$("$CLI" job show "$DRAFT" 2>&1)
expect_eq "job show DRAFT: confirmed" "confirmed" "$(echo "$out" | jq -r .status)"
expect_eq "job show DRAFT: active on chain" "active" "$(echo "$out" | jq -r .job_status)"
expect_eq "job show DRAFT: escrow" "74250000000" "$(echo "$out" | jq -r .escrow_balance)"
out=$("$CLI" job show "$JOB" 2>&1)
expect_eq "job show JOB_ID: 3 tasks" "3" "$(echo "$out" | jq -r '.tasks | length')"
out=$("$CLI" query job "$JOB" 2>&1)
expect_eq "query job: active" "active" "$(echo "$out" | jq -r .status)"

# list
out=$("$CLI" job list alice 2>&1)
expect_contains "job list alice shows the confirmed draft" "$DRAFT  confirmed" "$out"
n=$("$CLI" job list -o json | jq -r '.jobs | length')
check "job list (all) shows both drafts ($n)" test "$n" -ge 2

# cancel the confirmed job: escrow comes back
mid=$("$CLI" query balance "$ALICE" -o json | jq -r .balance)
out=$("$CLI" job cancel "$DRAFT" --from alice --wait 2>&1); rc=$?
check "job cancel DRAFT (confirmed) (rc=$rc: $out)" test $rc -eq 0
CFEE=$(curl -s "$CPC_NODE/marketplace/jobs/$DRAFT/logs" | jq -r '.events[] | select(.tx_type == "JOB_CANCEL") | .fee')
end=$("$CLI" query balance "$ALICE" -o json | jq -r .balance)
expect_eq "the escrow came back to alice (minus the cancel fee)" "$((mid + 74250000000 - CFEE))" "$end"
out=$("$CLI" job show "$DRAFT")
expect_eq "draft cancelled" "cancelled" "$(echo "$out" | jq -r .status)"
expect_eq "job cancelled on chain" "cancelled" "$(echo "$out" | jq -r .job_status)"

# drop an unconfirmed draft (no tx)
out=$("$CLI" job cancel "$DRAFT2" 2>&1); rc=$?
check "job cancel DRAFT (unconfirmed) (rc=$rc: $out)" test $rc -eq 0
expect_contains "unconfirmed draft dropped" "draft: $DRAFT2 (cancelled)" "$out"
out=$("$CLI" job confirm "$DRAFT2" --from alice 2>&1); rc=$?
check "confirming a cancelled draft fails" test $rc -ne 0
expect_contains "with a reason" "is cancelled, not draft" "$out"

# bad input: the node's message, non-zero exit
echo '{"type":"mining","max_budget":1}' > "$T_DIR/bad.json"
out=$("$CLI" job quote "$T_DIR/bad.json" 2>&1); rc=$?
check "unknown type fails" test $rc -ne 0
expect_contains "unknown type message" 'unknown type "mining"' "$out"
echo '{"type":"ml_training","model_params":"70B","dataset_size":"500GB","max_budget":10}' > "$T_DIR/poor.json"
out=$("$CLI" job quote "$T_DIR/poor.json" 2>&1); rc=$?
check "over max_budget fails" test $rc -ne 0
expect_contains "over max_budget message" "exceeds max_budget 10 CPC" "$out"
out=$("$CLI" job confirm not-a-uuid --from alice 2>&1); rc=$?
check "confirm with a bad draft id fails" test $rc -ne 0
expect_contains "bad draft id message" "draft id must be a UUID" "$out"
code=$(curl -s -o /dev/null -w '%{http_code}' -XPOST "$CPC_NODE/marketplace/jobs/$DRAFT/extend")
expect_eq "extend of a cancelled draft answers 409" "409" "$code"
finish
