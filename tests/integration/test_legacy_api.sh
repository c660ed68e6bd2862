#!/usr/bin/env bash
# The legacy proof-of-concept API (docs/api.md, "Legacy API") against a real
# cpcd, driven the way its old clients did: register, fetch a task, hash in a
# loop, submit, read the balance and the chain. The client loop computes the
# expected result itself with sha256sum (independent of the node's C replay).
source "$(dirname "$0")/lib.sh"

PORT=$(free_port)
NODE="http://127.0.0.1:$PORT"
HOME_DIR="$T_DIR/home"
start_node "$HOME_DIR" "$PORT" --block-time 200 || { fail "node start"; finish; }

post() { # post PATH JSON -> "STATUS BODY"
  curl -sS -o "$T_DIR/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data "$2" "$NODE$1" >"$T_DIR/code"
  CODE=$(cat "$T_DIR/code"); BODY=$(cat "$T_DIR/body")
}
get() {
  CODE=$(curl -sS -o "$T_DIR/body" -w '%{http_code}' "$NODE$1"); BODY=$(cat "$T_DIR/body")
}

# --- register ---
get /register
expect_eq "register answers 200" 200 "$CODE"
CLIENT=$(echo "$BODY" | jq -r .client_id)
check "client_id is a UUID v4" bash -c "[[ '$CLIENT' =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]]"
expect_eq "register answers only client_id" '["client_id"]' "$(echo "$BODY" | jq -c keys)"

# --- get_task: a registry contract under a fresh instance id, exactly its fields ---
get /get_task
expect_eq "get_task answers 200" 200 "$CODE"
expect_eq "get_task fields" '["contract_id","description","reward","task_type","work_units_required"]' \
  "$(echo "$BODY" | jq -c 'keys')"
case "$(echo "$BODY" | jq -c 'del(.contract_id)')" in
  '{"task_type":"simple-hash-pow","description":"Find a hash starting with 3 zeros.","work_units_required":1000,"reward":10}' | \
  '{"task_type":"complex-hash-pow","description":"Find a hash starting with 4 zeros.","work_units_required":5000,"reward":50}')
    ok "get_task returns a registry contract" ;;
  *) fail "get_task returned $BODY" ;;
esac
FIRST=$(echo "$BODY" | jq -r .contract_id)
check "contract_id is an instance of its template" bash -c "[[ '$FIRST' =~ ^sc-00[12]-[0-9a-f]{40}$ ]]"
get /get_task
check "each get_task hands out a new instance" test "$FIRST" != "$(echo "$BODY" | jq -r .contract_id)"

# an sc-001 assignment (1000 units, 3 zeros)
task_sc001() {
  local c
  for _ in $(seq 1 200); do
    get /get_task; c=$(echo "$BODY" | jq -r .contract_id)
    [[ $c == sc-001-* ]] && { echo "$c"; return 0; }
  done
  return 1
}
# work() CONTRACT UNITS [HALF_AT] -> LAST (and HALF): the client's loop, hashing with sha256sum
work() {
  LAST=dummy_result_data; HALF=dummy_result_data
  local n h
  for n in $(seq 1 "$2"); do
    h=$(printf '%s' "$CLIENT-$1-$n" | sha256sum)
    h=${h%% *}
    [[ $h == 000* ]] && LAST=$h
    [ "$n" -eq "${3:-0}" ] && HALF=$LAST
  done
  return 0
}

# --- the client's work loop (sc-001: 1000 units, 3 zeros) ---
SC=$(task_sc001) || fail "get_task never handed out sc-001"
work "$SC" 1000 500
echo "# expected result after 1000 units of $SC: $LAST"

H0=$(curl -fsS "$NODE/status" | jq .height)
post /submit_work "{\"client_id\":\"$CLIENT\",\"contract_id\":\"$SC\",\"work_units_done\":500,\"result_data\":\"$HALF\"}"
expect_eq "too few units: 200" 200 "$CODE"
expect_eq "too few units: pending, exact message" \
  '{"status":"pending","message":"Not enough work done. 500 / 1000"}' "$BODY"

if [ "$LAST" = dummy_result_data ]; then WRONG=0000000000000000000000000000000000000000000000000000000000000000; else WRONG=dummy_result_data; fi
post /submit_work "{\"client_id\":\"$CLIENT\",\"contract_id\":\"$SC\",\"work_units_done\":1000,\"result_data\":\"$WRONG\"}"
expect_eq "wrong result: rejected" rejected "$(echo "$BODY" | jq -r .status)"

post /submit_work "{\"client_id\":\"$CLIENT\",\"contract_id\":\"$SC\",\"work_units_done\":1000,\"result_data\":\"$LAST\"}"
expect_eq "verified work: 200" 200 "$CODE"
expect_eq "verified work: success with the reward" '{"status":"success","reward_issued":10}' "$BODY"

post /submit_work "{\"client_id\":\"$CLIENT\",\"contract_id\":\"$SC\",\"work_units_done\":1000,\"result_data\":\"$LAST\"}"
expect_eq "double submit: not paid twice" '{"status":"rejected","message":"Work already rewarded"}' "$BODY"
get "/get_balance/$CLIENT"
expect_eq "right after the submit, the balance includes the reward" 10 "$(echo "$BODY" | jq .balance)"
# more units of the same assignment, with the result their replay gives (another one
# when hashes 1001..N find a match; python3's hashlib for speed): still one reward
MORE=$(/usr/bin/python3 -c '
import hashlib, sys
c, k = sys.argv[1], sys.argv[2]
last = "dummy_result_data"
for n in range(1, 10001):
    h = hashlib.sha256(f"{c}-{k}-{n}".encode()).hexdigest()
    if h.startswith("000"): last = h
print(last)' "$CLIENT" "$SC" 2>/dev/null)
if [ -n "$MORE" ]; then
  post /submit_work "{\"client_id\":\"$CLIENT\",\"contract_id\":\"$SC\",\"work_units_done\":10000,\"result_data\":\"$MORE\"}"
  expect_eq "10000 units of the same assignment: not paid again" '{"status":"rejected","message":"Work already rewarded"}' "$BODY"
fi
post /submit_work "{\"client_id\":\"$CLIENT\",\"contract_id\":\"sc-001\",\"work_units_done\":1000,\"result_data\":\"$LAST\"}"
expect_eq "a bare template id is not an assignment" '{"error":"Invalid contract ID"}' "$BODY"

# --- balance after the next block(s) ---
H=$(curl -fsS "$NODE/status" | jq .height)
wait_height "$PORT" $((H + 2)) || fail "chain did not advance"
get "/get_balance/$CLIENT"
expect_eq "balance answers 200" 200 "$CODE"
expect_eq "balance equals the reward" "{\"client_id\":\"$CLIENT\",\"balance\":10}" "$BODY"
post /submit_work "{\"client_id\":\"$CLIENT\",\"contract_id\":\"$SC\",\"work_units_done\":1000,\"result_data\":\"$LAST\"}"
expect_eq "double submit after the block: still rejected" rejected "$(echo "$BODY" | jq -r .status)"
H=$(curl -fsS "$NODE/status" | jq .height)
wait_height "$PORT" $((H + 2)) || fail "chain did not advance"
get "/get_balance/$CLIENT"
expect_eq "balance is still one reward" 10 "$(echo "$BODY" | jq .balance)"

# --- /chain in the legacy shape (from a height before the reward) ---
get "/chain?from=$H0"
expect_eq "chain answers 200" 200 "$CODE"
expect_eq "chain blocks have the legacy fields" '["hash","index","nonce","previous_hash","timestamp","transactions"]' \
  "$(echo "$BODY" | jq -c '.[-1] | keys')"
expect_eq "chain links previous_hash" true \
  "$(echo "$BODY" | jq '[range(1; length) as $i | .[$i].previous_hash == .[$i-1].hash] | all')"
REWARD=$(echo "$BODY" | jq -c --arg c "$CLIENT" '[.[].transactions[] | select(.type == "reward" and .client_id == $c)]')
RECEIPT=$(echo "$BODY" | jq -c --arg c "$CLIENT" '[.[].transactions[] | select(.type == "work_receipt" and .client_id == $c)]')
expect_eq "one reward entry for the client" 1 "$(echo "$REWARD" | jq length)"
expect_eq "reward amount in CPC" 10 "$(echo "$REWARD" | jq '.[0].amount')"
expect_eq "one work_receipt entry" 1 "$(echo "$RECEIPT" | jq length)"
expect_eq "work_receipt carries the result" "$LAST" "$(echo "$RECEIPT" | jq -r '.[0].result_data')"
expect_eq "work_receipt carries the contract instance" "$SC" "$(echo "$RECEIPT" | jq -r '.[0].contract_id')"
get "/chain?from=0&limit=2"
expect_eq "chain paging: from=0 limit=2" '[0,1]' "$(echo "$BODY" | jq -c '[.[].index]')"

# --- errors, exact bodies ---
post /submit_work '{}'
expect_eq "missing fields: 400" 400 "$CODE"
expect_eq "missing fields: body" '{"error":"Missing data"}' "$BODY"
post /submit_work "{\"client_id\":\"$CLIENT\",\"contract_id\":\"sc-001\",\"result_data\":\"x\"}"
expect_eq "missing work_units_done: body" '{"error":"Missing data"}' "$BODY"
post /submit_work "{\"client_id\":\"$CLIENT\",\"contract_id\":\"sc-404\",\"work_units_done\":1,\"result_data\":\"x\"}"
expect_eq "unknown contract: 400" 400 "$CODE"
expect_eq "unknown contract: body" '{"error":"Invalid contract ID"}' "$BODY"
post /submit_work "{\"client_id\":\"not-registered\",\"contract_id\":\"$SC\",\"work_units_done\":1,\"result_data\":\"x\"}"
expect_eq "unknown client: 400" 400 "$CODE"
expect_eq "unknown client: body" '{"error":"Unknown client ID"}' "$BODY"
post /submit_work "{\"client_id\":\"$CLIENT\",\"contract_id\":\"$SC\",\"work_units_done\":10001,\"result_data\":\"x\"}"
expect_eq "above the 10x cap: 400" 400 "$CODE"
expect_contains "above the 10x cap: says so" "at most 10000" "$BODY"
get /get_balance/not-registered
expect_eq "balance of an unknown client: 404" 404 "$CODE"

# --- /register: 10 an hour per address by default (one was used above) ---
for _ in $(seq 1 9); do get /register; [ "$CODE" = 200 ] || break; done
expect_eq "ten registrations from one address" 200 "$CODE"
get /register
expect_eq "the eleventh: 429" 429 "$CODE"
expect_contains "the eleventh: says so, in the legacy shape" '{"error":"Too many registrations' "$BODY"

finish
