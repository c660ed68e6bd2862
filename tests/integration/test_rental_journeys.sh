#!/usr/bin/env bash
# test_rental_journeys.sh — the GPU-rental journeys end to end, over real HTTP
# to a real cpcd, with a real cpc-worker (sandbox provisioner: Debian's sshd in
# bubblewrap on 127.0.0.1) and the real cpc-cli. The chain is a test chain
# whose billing minute is 1 s (genesis params.rental_minute_ms = 1000, see
# docs/protocol.md "Genesis"): every rule is the chain's own, counted in those
# minutes, so a rental's hour passes in 60 s.
#   provider: signs up, lists 3 servers, binds one to its running worker:
#     online; SIGKILLed and restarted, the worker adopts the running sandbox;
#     stopped, the server goes offline;
#   customer: 402 before any deposit; an admin's deposit; search; rents by
#     requirements and by id; ssh with its key into the sandbox and runs a
#     command; extends; ends early; gets its invoice;
#   money: the provider receives exactly minutes x price, the treasury exactly
#     the commission on top, the customer pays the sum once and gets the rest
#     back; invoice, provider and admin views agree to the unit;
#   crash: the node SIGKILLed mid-rental and restarted: no minute lost nor paid
#     twice (minutes paid = whole minutes of block time since the opening,
#     escrow + paid = deposit);
#   funds: a rental left to run out is warned by email, ended by the chain,
#     said so by email, and its container stopped by the worker;
#   `cpcd replay` re-executes the chain to the same state.
# Every wait polls with a deadline.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CLI="$CPC_BIN/cpc-cli"
WK="$CPC_BIN/cpc-worker"
SSH_OPTS=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
          -o LogLevel=ERROR -o ConnectTimeout=5)
PW="Journey pass 2024"

if [ ! -x /usr/sbin/sshd ]; then
  fail "/usr/sbin/sshd missing: run scripts/deps.sh (openssh-server)"; finish
fi
if ! bwrap --unshare-user --unshare-pid --ro-bind / / true 2>/dev/null; then
  echo "skip - bubblewrap cannot make user namespaces here"; finish
fi

# ---- a test chain with 1 s billing minutes ----
PORT=$(free_port)
NODE="http://127.0.0.1:$PORT"
NHOME="$T_DIR/node"; PHOME="$T_DIR/provider"; CHOME="$T_DIR/customer"; WH="$T_DIR/worker"
"$CPC_BIN/cpcd" init --home "$NHOME" >/dev/null 2>&1 || { fail "cpcd init"; finish; }
sed -i 's/"params": {/"params": {"rental_minute_ms": 1000,/' "$NHOME/genesis.json"
printf '\n[platform]\nargon2_opslimit = 1\nargon2_memlimit_kib = 8\n' >>"$NHOME/config"
start_node "$NHOME" "$PORT" --block-time 250 || { fail "node start"; finish; }
expect_eq "the genesis keeps the 1 s billing minute" 1000 \
  "$(grep -o '"rental_minute_ms": *[0-9]*' "$NHOME/genesis.json" | grep -o '[0-9]*$')"

W_PID=""
RIDS=()
stop_all() { # the sandboxes outlive a killed worker: stop them whatever happened
  [ -n "$W_PID" ] && kill -KILL "$W_PID" 2>/dev/null
  for r in "${RIDS[@]}"; do "$WK" --home "$WH" rental stop --address "$WADDR" --id "$r" >/dev/null 2>&1; done
  t_cleanup
}
trap stop_all EXIT

cli() { "$CLI" --node "$NODE" --home "$@" 2>&1; }
clij() { "$CLI" --node "$NODE" --home "$@" -o json 2>/dev/null; }
wait_for() { # wait_for SECONDS COMMAND...: polls every 0.2 s
  local end=$((SECONDS + $1)); shift
  while [ $SECONDS -lt $end ]; do "$@" && return 0; sleep 0.2; done
  return 1
}
get() { curl -fsS --max-time 10 -H "Authorization: Bearer $2" "$NODE$1"; } # get PATH TOKEN
balance() { curl -fsS "$NODE/account/$1" | jq -r .balance; }
signup() { # signup EMAIL: register, read the code from the node's outbox, verify
  curl -fsS -X POST -H 'Content-Type: application/json' \
    --data "{\"email\":\"$1\",\"password\":\"$PW\"}" "$NODE/auth/register" >/dev/null || return 1
  local code=""
  for _ in $(seq 1 100); do
    code=$(grep -l -s "To: <$1>" "$NHOME"/outbox/*.eml | xargs -r cat |
           grep -o 'confirmation code is: [0-9]\{6\}' | tail -1 | grep -o '[0-9]\{6\}')
    [ -n "$code" ] && break
    sleep 0.1
  done
  curl -fsS -X POST -H 'Content-Type: application/json' \
    --data "{\"email\":\"$1\",\"code\":\"$code\"}" "$NODE/auth/verify" >/dev/null
}
token() { jq -r .access_token "$1/session.json"; }

# ---- provider journey: sign up, 3 servers, one bound to a running worker ----
check "provider signs up (code from the outbox)" signup provider@example.com
check "customer signs up (code from the outbox)" signup customer@example.com
echo "$PW" | cli "$PHOME" login --email provider@example.com >/dev/null
check "provider logs in" test -s "$PHOME/session.json"
WADDR=$("$WK" --home "$PHOME" init --from w1 2>/dev/null | jq -r .address)
cli "$NHOME" tx send "$WADDR" 1000 --from faucet --wait >/dev/null; check "fund the worker" test $? -eq 0
out=$("$WK" --home "$PHOME" --node "$NODE" register --stake 100 --from w1 2>&1)
check "the worker registers with a 100 CPC stake" test $? -eq 0
SSHP=""
for _ in $(seq 1 50); do # two adjacent free ports: the bound server's SSH range
  p=$(free_port); if ! (exec 3<>/dev/tcp/127.0.0.1/$((p + 1))) 2>/dev/null; then SSHP=$p; break; fi
done
S1=$(clij "$PHOME" server add --model "RTX 4090" --gpus 1 --vram 24 --price 6 --host 127.0.0.1 \
     --ports "$SSHP-$((SSHP + 1))" --country DE --city Berlin --ram 64 --disk 500 \
     --worker-key w1 | jq -r .id)
S2=$(clij "$PHOME" server add --model "A100 80GB" --gpus 2 --vram 80 --price 3 --host 10.0.0.8 \
     --ports 22100-22109 --country US --city Austin --ram 128 --disk 1000 | jq -r .id)
S3=$(clij "$PHOME" server add --model "RTX 4090" --gpus 1 --vram 24 --price 1 --host 10.0.0.9 \
     --ports 22200-22209 --country FR --city Paris --ram 32 --disk 200 | jq -r .id)
check "3 servers listed" test "$(clij "$PHOME" server list | jq '.servers | length')" = 3

mkdir -p "$WH"
RD="$T_DIR/rentals"
chmod 0711 "$T_DIR" # a root worker runs the sandbox as nobody, who walks down to RD
printf '[provision]\nkind = sandbox\nlisten = 127.0.0.1\ndir = %s\n' "$RD" >"$WH/config"
start_worker() {
  "$WK" --home "$WH" --node "$NODE" --key "$PHOME/keyring/w1.json" run --no-synthetic \
    --threads 1 >>"$T_DIR/w.log" 2>&1 &
  W_PID=$!
}
start_worker
status_of() { clij "$PHOME" server list | jq -r --arg id "$1" '.servers[] | select(.id == $id) | .status'; }
is_status() { [ "$(status_of "$1")" = "$2" ]; }
check "the bound server goes online once its worker beats" wait_for 30 is_status "$S1" online
expect_eq "an unbound server stays offline" offline "$(status_of "$S2")"

# ---- customer: 402 before a deposit, then an admin's deposit ----
echo "$PW" | cli "$CHOME" login --email customer@example.com >/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$T_DIR/cust" -C customer
out=$(cli "$CHOME" rent "$S1" --hours 1 --ssh-key "$T_DIR/cust.pub"); rc=$?
expect_eq "renting with no balance exits 1" 1 "$rc"
expect_contains "the node answered 402 insufficient_funds" "insufficient_funds" "$out"
echo "$PW" | "$CPC_BIN/cpcd" admin create --email admin@example.com --home "$NHOME" >/dev/null 2>&1 ||
  fail "cpcd admin create"
ADMIN=$(curl -fsS -X POST -H 'Content-Type: application/json' \
  --data "{\"email\":\"admin@example.com\",\"password\":\"$PW\"}" "$NODE/auth/login" | jq -r .access_token)
CUST_ID=$(get /me "$(token "$CHOME")" | jq -r .id)
curl -fsS -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  --data "{\"user_id\":$CUST_ID,\"amount_cpc\":\"100\",\"reference\":\"journey-1\"}" \
  "$NODE/admin/deposits" >/dev/null; check "an admin credits 100 CPC" test $? -eq 0
CADDR=$(get /me/wallet "$(token "$CHOME")" | jq -r .address)
PADDR=$(get /me/wallet "$(token "$PHOME")" | jq -r .address)
TADDR=$(cli "$NHOME" keys show treasury | jq -r .address)
has_deposit() { [ "$(balance "$CADDR")" = 100000000000 ]; } # 100 CPC, 10^9 base units each
check "the deposit reaches the customer's wallet" wait_for 20 has_deposit
C0=$(balance "$CADDR"); P0=$(balance "$PADDR"); T0=$(balance "$TADDR")

# ---- search, then rent by requirements (R1) and by id (R2) ----
ids() { clij "$CHOME" gpu search "$@" | jq -r '[.servers[].id] | join(" ")'; }
expect_eq "search --status online finds the bound server" "$S1" "$(ids --status online)"
expect_eq "search --model RTX 4090, cheapest first" "$S3 $S1" "$(ids --model "RTX 4090")"
expect_eq "search --location US/Austin" "$S2" "$(ids --location US/Austin)"
expect_eq "search --min-vram 48 --count 2" "$S2" "$(ids --min-vram 48 --count 2)"
out=$(clij "$CHOME" rent --model "RTX 4090" --count 1 --hours 1 --ssh-key "$T_DIR/cust.pub" --wait)
R1=$(jq -r .id <<<"$out"); RIDS+=("$R1")
expect_eq "rent by requirements takes the online RTX 4090 (the cheaper one is offline)" "$S1" \
  "$(jq -r .server_id <<<"$out")"
expect_eq "R1 is open" open "$(jq -r .status <<<"$out")"
out=$(clij "$CHOME" rent "$S1" --hours 1 --ssh-key "$T_DIR/cust.pub" --wait)
R2=$(jq -r .id <<<"$out"); RIDS+=("$R2")
expect_eq "rent by id: R2 is open on the same server" "open $S1" \
  "$(jq -r '"\(.status) \(.server_id)"' <<<"$out")"
view() { clij "$CHOME" rental show "$1"; }
RATE=$(view "$R1" | jq -r .rate_per_minute); COMM=$(view "$R1" | jq -r .commission_per_minute)
expect_eq "rate: 6 CPC an hour is 0.1 CPC a minute" 100000000 "$RATE"
expect_eq "commission: 10% on top" 10000000 "$COMM"

# ---- ssh into the sandbox with the customer's key ----
port_of() { clij "$CHOME" rental ssh "$1" --print | jq -r .port; }
P1=$(port_of "$R1"); P2=$(port_of "$R2")
port_open() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
check "the worker starts R1's sshd (port $P1)" wait_for 40 port_open "$P1"
check "the worker starts R2's sshd (port $P2)" wait_for 40 port_open "$P2"
out=$(ssh -i "$T_DIR/cust" -p "$P1" "${SSH_OPTS[@]}" cpc@127.0.0.1 'echo hello; id -un' 2>&1)
expect_eq "the customer's key logs in and runs a command" "hello cpc" "$(echo $out)"
expect_contains "rental ssh --print names the port" "ssh -p $P1 cpc@127.0.0.1" \
  "$(cli "$CHOME" rental ssh "$R1" --print)"
check "the rented server shows busy" is_status "$S1" busy

# ---- extend R1 by two hours (room to end it early even on a loaded machine) ----
before=$(view "$R1" | jq -r .funded_until_ms)
out=$(cli "$CHOME" rental extend "$R1" --hours 2 --wait); rc=$?
expect_eq "rental extend --wait exits 0 ($out)" 0 "$rc"
after=$(view "$R1" | jq -r .funded_until_ms)
expect_eq "two hours (120 minutes of 1 s) more" 120000 "$((after - before))"

# ---- crash: the worker SIGKILLed and restarted adopts the running sandbox ----
pid_of() { "$WK" --home "$WH" rental status --address "$WADDR" 2>/dev/null |
           jq -r --arg id "$1" 'select(.id == $id) | .pid'; }
PID1=$(pid_of "$R1")
kill -KILL "$W_PID"; wait "$W_PID" 2>/dev/null
check "the sandbox outlives its worker" port_open "$P1"
start_worker
adopted() { grep -q "rentals: sandbox provisioner; 2 running adopted" "$T_DIR/w.log"; }
check "the restarted worker adopts both sandboxes" wait_for 20 adopted
sleep 6 # a heartbeat answer and a reconcile pass later, nothing was started again
expect_eq "R1's sshd is the same process (not started twice)" "$PID1" "$(pid_of "$R1")"
out=$(ssh -i "$T_DIR/cust" -p "$P1" "${SSH_OPTS[@]}" cpc@127.0.0.1 'echo again' 2>&1)
expect_eq "and the customer still logs in" again "$out"

# ---- crash: the node SIGKILLed mid-rental, restarted: no minute lost or paid twice ----
# opened (ms) = funded_until_ms - (escrow_left / cost + minutes_paid) x 1000. A rental falls
# due at whole minutes of block time (docs/protocol.md "Rentals"), so at a given block the
# minutes paid are the whole minutes since the opening, or one less until the next due
# minute; the exact count at the end is checked on the invoice below.
consistent() { # minutes paid against block time since the opening, read between two blocks
  local t1 t2 v paid esc dep until cost opened
  t1=$(curl -fsS "$NODE/status" | jq -r .latest_block_time) || return 1
  v=$(view "$R1") || return 1
  t2=$(curl -fsS "$NODE/status" | jq -r .latest_block_time) || return 1
  read -r paid esc dep until <<<"$(jq -r '"\(.minutes_paid) \(.escrow_left) \(.deposit) \(.funded_until_ms)"' <<<"$v")"
  [ -n "$until" ] && [ "$until" != null ] || return 1
  cost=$((RATE + COMM))
  opened=$((until - (esc / cost + paid) * 1000))
  # the view was read between blocks of times t1 and t2
  MINUTES_OK=$(( paid + 1 >= (t1 - opened) / 1000 && paid <= (t2 - opened) / 1000 ))
  ESCROW_OK=$(( esc + paid * cost == dep ))
  OPENED=$opened
  PAID=$paid
}
PAID=0 MINUTES_OK=0 ESCROW_OK=0 OPENED=0
wait_for 10 consistent; before=$PAID
expect_eq "before the crash: minutes paid follow block time since the opening" 1 "$MINUTES_OK"
kill_node
sleep 3
start_node "$NHOME" "$PORT" --block-time 250 || fail "node restart"
more() { consistent && [ "$PAID" -gt $((before + 4)) ]; }
check "billing resumes after the restart ($before minutes before)" wait_for 30 more
expect_eq "after the restart: no minute lost (paid follow block time since the opening)" 1 "$MINUTES_OK"
expect_eq "after the restart: nothing paid twice (escrow + paid = deposit)" 1 "$ESCROW_OK"

# ---- funds: R2 (one hour, 60 s) runs out: warned, ended by the chain, stopped ----
mail_for() { grep -l -s "$1" "$NHOME"/outbox/*.eml | xargs -r grep -l -s "To: <customer@example.com>"; }
warned() { [ -n "$(mail_for "$R2" | xargs -r grep -l -i "minutes")" ]; }
check "a warning email before R2's funds run out" wait_for 70 warned
r2_status() { [ "$(view "$R2" | jq -r '"\(.status) \(.end_reason)"')" = "ended funds" ]; }
check "the chain ends R2 when its escrow is spent" wait_for 40 r2_status
port_closed() { ! port_open "$1"; }
check "the worker stops R2's container (port $P2 closed)" wait_for 30 port_closed "$P2"
n_mail=$(mail_for "$R2" | wc -l)
expect_eq "two emails about R2: the warning and the stop" 2 "$n_mail"
expect_eq "R2 paid exactly its 60 minutes" 60 "$(view "$R2" | jq -r .minutes_paid)"

# ---- end R1 early; the invoice ----
out=$(cli "$CHOME" rental end "$R1" --wait); expect_eq "rental end --wait exits 0" 0 $?
check "the worker stops R1's container" wait_for 30 port_closed "$P1"
INV=$(get "/account/invoices/rent-$R1" "$(token "$CHOME")")
read -r M INC CM TOT DEP REF LEFT <<<"$(jq -r '"\(.minutes) \(.provider_income) \(.commission) \(.total_charged) \(.deposit) \(.refunded) \(.escrow_left)"' <<<"$INV")"
check "R1 ended early: fewer minutes than its three hours ($M)" test "$M" -gt 0 -a "$M" -lt 180
expect_eq "invoice: provider income = minutes x price" "$((M * RATE))" "$INC"
expect_eq "invoice: commission = minutes x 10%" "$((M * COMM))" "$CM"
expect_eq "invoice: total = income + commission" "$((INC + CM))" "$TOT"
expect_eq "invoice: charged once, the rest refunded" "$DEP" "$((TOT + REF))"
expect_eq "invoice: nothing left in escrow" 0 "$LEFT"
block_ms() { curl -fsS "$NODE/block/$(curl -fsS "$NODE/tx/$1" | jq -r .height)" | jq -r .header.time; }
END_TX=$(curl -fsS "$NODE/account/$CADDR/txs" | jq -r --arg r "$R1" \
  '.txs[] | select(.tx_type == "RENTAL_END" and .payload.rental_id == $r) | .hash')
T_OPEN=$(block_ms "$R1"); T_END=$(block_ms "$END_TX")
expect_eq "R1 opened at the block of its RENTAL_OPEN" "$T_OPEN" "$OPENED"
expect_eq "every minute from the opening to the end, across the crash, charged once" \
  "$(( (T_END - T_OPEN) / 1000 + 1 ))" "$M"
expect_eq "invoice lines: GPU time and commission" "gpu_time commission" \
  "$(jq -r '[.lines[].item] | join(" ")' <<<"$INV")"
html=$(get "/account/invoices/rent-$R1/html" "$(token "$CHOME")")
expect_contains "the printable invoice names the rental" "$R1" "$html"

# ---- the three views agree to the unit, and the books balance ----
PV=$(get /provider/rentals "$(token "$PHOME")" | jq -c --arg id "$R1" '.rentals[] | select(.id == $id)')
AV=$(get /admin/rentals "$ADMIN" | jq -c --arg id "$R1" '.rentals[] | select(.id == $id)')
expect_eq "provider view: minutes and income" "$M $INC" "$(jq -r '"\(.minutes_paid) \(.income)"' <<<"$PV")"
expect_eq "admin view: paid, received, commission, refunded" "$TOT $INC $CM $REF" \
  "$(jq -r '"\(.customer_paid) \(.provider_received) \(.commission) \(.refunded)"' <<<"$AV")"
R2INV=$(get "/account/invoices/rent-$R2" "$(token "$CHOME")")
INC2=$(jq -r .provider_income <<<"$R2INV"); CM2=$(jq -r .commission <<<"$R2INV")
TOT2=$(jq -r .total_charged <<<"$R2INV")
expect_eq "the provider's wallet got exactly both rentals' minutes x price" \
  "$((P0 + INC + INC2))" "$(balance "$PADDR")"
expect_eq "the treasury got exactly both commissions" "$((T0 + CM + CM2))" "$(balance "$TADDR")"
fees=0
for h in $(curl -fsS "$NODE/account/$CADDR/txs" | jq -r --arg a "$CADDR" '.txs[] | select(.from == $a) | .hash'); do
  f=$(curl -fsS "$NODE/tx/$h" | jq -r .fee); fees=$((fees + f))
done
expect_eq "the customer paid both rentals once, plus its txs' fees" \
  "$((C0 - TOT - TOT2 - fees))" "$(balance "$CADDR")"

# ---- the worker stops: the server goes offline ----
kill -TERM "$W_PID"; wait "$W_PID" 2>/dev/null; W_PID=""
check "the server goes offline when its worker stops" wait_for 45 is_status "$S1" offline

# ---- cpcd replay reproduces every balance ----
stop_node
out=$(timeout 120 "$CPC_BIN/cpcd" --home "$NHOME" replay 2>&1); rc=$?
expect_eq "cpcd replay re-executes the chain to the same state ($(tail -1 <<<"$out"))" 0 "$rc"
finish
