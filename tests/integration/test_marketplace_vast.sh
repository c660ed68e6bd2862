#!/usr/bin/env bash
# Reselling on Vast.ai through a real cpcd and its sync thread, against a fake
# Vast host API on 127.0.0.1 (fake_vast.py: this machine cannot reach
# Vast.ai). A provider opts a server in: the thread lists it at the price plus
# the commission; a Vast booking shows in GET /admin/integrations; then Vast
# reports a day's earnings, and cpcd is SIGKILLed while the credit's transfer
# waits for a block. After the restart the provider holds exactly its share
# (gross minus the commission), credited once, and later passes add nothing.
source "$(dirname "$0")/lib.sh"

SRC="${CPC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
PW="Correct horse 42"
KEY="it-vast-key-42"
CPC=1000000000
NHOME="$T_DIR/node"
CONTROL="$T_DIR/vast-control.json"; RECORD="$T_DIR/vast-record.jsonl"
echo '{"hostname":"gpu1.example.com","rentals":0,"per_day":[]}' >"$CONTROL"
: >"$RECORD"
python3 "$SRC/tests/integration/fake_vast.py" "$KEY" "$CONTROL" "$RECORD" "$T_DIR/vast.port" &
FAKE_PID=$!
wait_for() { # wait_for SECONDS COMMAND...: polls every 0.2 s
  local end=$((SECONDS + $1)); shift
  while [ $SECONDS -lt $end ]; do "$@" && return 0; sleep 0.2; done
  return 1
}
check "the fake Vast answers" wait_for 10 test -s "$T_DIR/vast.port"
VPORT=$(cat "$T_DIR/vast.port")

PORT=$(free_port)
NODE="http://127.0.0.1:$PORT"
"$CPC_BIN/cpcd" init --home "$NHOME" >/dev/null 2>&1 || { fail "cpcd init"; finish; }
printf '\n[platform]\nargon2_opslimit = 1\nargon2_memlimit_kib = 8\n' >>"$NHOME/config"
printf '\n[marketplace.vast]\napi_key = %s\nbase_url = http://127.0.0.1:%s\nsync_interval_s = 1\n' \
  "$KEY" "$VPORT" >>"$NHOME/config"
# blocks every 4 s: room to kill cpcd while a credit's transfer waits in the mempool
start_node "$NHOME" "$PORT" --block-time 4000 || { fail "node start"; finish; }

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
login() {
  curl -fsS -X POST -H 'Content-Type: application/json' \
    --data "{\"email\":\"$1\",\"password\":\"$PW\"}" "$NODE/auth/login" | jq -r .access_token
}
api() { # api METHOD PATH TOKEN [BODY]
  curl -sS --max-time 10 -X "$1" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' \
    ${4:+--data "$4"} "$NODE$2"
}

check "provider signs up" signup provider@example.com
PTOK=$(login provider@example.com)
api PATCH /me "$PTOK" '{"roles":["provider"]}' >/dev/null
SRV=$(api POST /provider/servers "$PTOK" '{"gpu_model":"RTX 4090","gpu_count":1,"vram_gb":24,
  "cuda_cores":16384,"cpu":"x","ram_gb":64,"disk_gb":500,"host":"gpu1.example.com",
  "ssh_port_min":22000,"ssh_port_max":22009,"country":"DE","city":"Berlin",
  "price_per_gpu_hour":2000000000}' | jq -r .id)
check "the provider lists a server" test "${#SRV}" -eq 36
PADDR=$(api GET /me/wallet "$PTOK" | jq -r .address)
echo "$PW" | "$CPC_BIN/cpcd" admin create --email admin@example.com --home "$NHOME" >/dev/null 2>&1 ||
  fail "cpcd admin create"
ATOK=$(login admin@example.com)
integ() { api GET /admin/integrations "$ATOK" | jq -r ".integrations[0].$1"; }
is_integ() { [ "$(integ "$1")" = "$2" ]; }

out=$(api PUT "/provider/servers/$SRV/marketplaces" "$PTOK" '{"vast":true}')
expect_eq "the provider opts in" true "$(jq -r .marketplaces.vast.opted_in <<<"$out")"
listed_at() { grep -q "\"price_gpu\": $1" "$RECORD"; }
check "the thread lists it on Vast at 2 CPC + 10% = 2.2 USD a GPU-hour" wait_for 15 listed_at 2.2
check "the admin view counts it published" wait_for 10 is_integ servers_published 1
expect_eq "the connector is enabled" true "$(integ enabled)"

jq '.rentals = 1' "$CONTROL" >"$CONTROL.tmp" && mv "$CONTROL.tmp" "$CONTROL"
check "a Vast booking is seen" wait_for 10 is_integ bookings_open 1
jq '.rentals = 0' "$CONTROL" >"$CONTROL.tmp" && mv "$CONTROL.tmp" "$CONTROL"
check "and its end" wait_for 10 is_integ bookings_open 0

DAY=$(( $(date +%s) / 86400 - 1 ))
jq --argjson d "$DAY" '.per_day = [{"day":$d,"gpu_earn":11.0,"sto_earn":0,"bwu_earn":0,"bwd_earn":0}]' \
  "$CONTROL" >"$CONTROL.tmp" && mv "$CONTROL.tmp" "$CONTROL"
check "yesterday's earnings become a pending credit" wait_for 10 is_integ periods_pending 1
kill_node
echo "cpcd SIGKILLed with the credit pending"
start_node "$NHOME" "$PORT" --block-time 250 || { fail "restart"; finish; }
check "after the restart the credit is reconciled" wait_for 20 is_integ periods_credited 1
balance() { curl -fsS "$NODE/account/$PADDR" | jq -r .balance; }
expect_eq "the provider holds 11 USD less the commission: exactly 10 CPC" "$((10 * CPC))" "$(balance)"
sleep 3 # three more passes of the 1 s loop, and blocks
expect_eq "later passes credit nothing more" "$((10 * CPC))" "$(balance)"
expect_eq "one period credited" 1 "$(integ periods_credited)"
expect_eq "earnings credited" "$((10 * CPC))" "$(integ earnings_credited)"

out=$(api PUT "/provider/servers/$SRV/marketplaces" "$PTOK" '{"vast":false}')
unlisted() { grep -q '"unlist"' "$RECORD"; }
check "opting out unlists the machine" wait_for 10 unlisted
kill "$FAKE_PID" 2>/dev/null
finish
