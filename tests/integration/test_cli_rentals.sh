#!/usr/bin/env bash
# GPU rentals through cpc-cli against a real cpcd on a free port: accounts
# signed up through the API with the code from the node's mail outbox
# (HOME/outbox, no SMTP configured), `cpc-cli login` (password on stdin),
# a provider who lists 3 servers (2 bound to running cpc-workers, whose keys
# sign the bindings, 1 unbound), a customer funded by an admin deposit
# (`cpcd admin create`), `gpu search` with every filter, `rent` by id and by
# requirements, `rental show`, `rental ssh --print`, `rental end`, the
# README's five-command journey, and bad inputs exiting non-zero with a
# message. No token may appear in any output.
source "$(dirname "$0")/lib.sh"

PORT=$(free_port)
NODE="http://127.0.0.1:$PORT"
NHOME="$T_DIR/node"
PHOME="$T_DIR/provider"
CHOME="$T_DIR/customer"
PW="Rent pass 2024"
ALL_OUT="$T_DIR/all_output"

"$CPC_BIN/cpcd" init --home "$NHOME" >/dev/null 2>&1 || { fail "cpcd init"; finish; }
printf '\n[platform]\nargon2_opslimit = 1\nargon2_memlimit_kib = 8\n' >>"$NHOME/config"
start_node "$NHOME" "$PORT" --block-time 300 || { fail "node start"; finish; }

# cli HOME ARGS...: cpc-cli against the node, stdout and stderr, every output also kept
# for the token check; clij: stdout only (JSON), stderr kept aside
cli() { local h="$1"; shift; "$CPC_BIN/cpc-cli" --home "$h" --node "$NODE" "$@" 2>&1 | tee -a "$ALL_OUT"
        return "${PIPESTATUS[0]}"; }
clij() { local h="$1"; shift; "$CPC_BIN/cpc-cli" --home "$h" --node "$NODE" "$@" 2>>"$ALL_OUT" |
         tee -a "$ALL_OUT"; return "${PIPESTATUS[0]}"; }

# signup EMAIL: register (the user id goes to $T_DIR/EMAIL.id), read the code from the
# outbox, verify. (Logins are 5 a minute per address: the test makes exactly 5.)
signup() {
  curl -fsS -X POST -H 'Content-Type: application/json' \
    --data "{\"email\":\"$1\",\"password\":\"$PW\"}" "$NODE/auth/register" | jq -r .id >"$T_DIR/$1.id" ||
    return 1
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
token_of() { # token_of EMAIL PASSWORD: an access token by curl (the test's own)
  curl -fsS -X POST -H 'Content-Type: application/json' \
    --data "{\"email\":\"$1\",\"password\":\"$2\"}" "$NODE/auth/login" | jq -r .access_token
}

check "provider signs up (outbox code)" signup provider@example.com
check "customer signs up (outbox code)" signup customer@example.com

# ---- login / logout ----
out=$(echo "wrong pass 1" | cli "$PHOME" login --email provider@example.com); rc=$?
expect_eq "login with a wrong password exits 1" 1 "$rc"
expect_contains "says why (the API's message)" "invalid_credentials" "$out"
out=$(cli "$PHOME" login </dev/null); expect_eq "login without --email is a usage error" 2 $?
out=$(echo "$PW" | cli "$PHOME" login --email provider@example.com); rc=$?
expect_eq "provider login exits 0 ($out)" 0 "$rc"
expect_eq "session.json is mode 0600" 600 "$(stat -c %a "$PHOME/session.json")"
out=$(cli "$PHOME" server list); expect_eq "server list before any server: no role yet, 403" 1 $?
expect_contains "the API's message is printed" "HTTP 403" "$out"
out=$(cli "$PHOME" server list --node "http://localhost:$PORT")
expect_contains "the session is not sent to another node URL" "log in to this node first" "$out"

# ---- provider: 2 workers with keys in the provider's keyring, each its own home ----
WADDR=()
for i in 1 2; do
  a=$("$CPC_BIN/cpc-worker" --home "$PHOME" init --from "w$i" 2>/dev/null | jq -r .address)
  WADDR+=("$a")
  cli "$NHOME" tx send "$a" 1000 --from faucet --wait >/dev/null || fail "fund w$i"
  "$CPC_BIN/cpc-worker" --home "$PHOME" --node "$NODE" register --stake 100 --from "w$i" >/dev/null 2>&1 ||
    fail "register w$i"
done
for i in 1 2; do
  mkdir -p "$T_DIR/wh$i"
  "$CPC_BIN/cpc-worker" --home "$T_DIR/wh$i" --node "$NODE" --key "$PHOME/keyring/w$i.json" run \
    --threads 1 --no-synthetic >"$T_DIR/worker$i.log" 2>&1 &
done

out=$(clij "$PHOME" server add --model "RTX 4090" --gpus 2 --vram 24 --price 1.5 --host 127.0.0.1 \
      --ports 22000-22009 --country DE --city Berlin --ram 64 --disk 500 --worker-key w1 -o json); rc=$?
expect_eq "server add (RTX 4090 x2, bound to w1) exits 0" 0 "$rc"
S1=$(jq -r .id <<<"$out" 2>/dev/null)
expect_eq "the binding names w1" "${WADDR[0]}" "$(jq -r .worker <<<"$out" 2>/dev/null)"
out=$(clij "$PHOME" server add --model "A100 80GB" --gpus 1 --vram 80 --price 3.5 --host 127.0.0.1 \
      --ports 22100-22109 --country US --city Austin --ram 128 --disk 1000 --worker-key w2 -o json)
S2=$(jq -r .id <<<"$out" 2>/dev/null); check "server add (A100, bound to w2)" test -n "$S2" -a "$S2" != null
out=$(clij "$PHOME" server add --model T4 --gpus 1 --vram 16 --price 0.2 --host 10.0.0.9 \
      --ports 22200-22200 --country DE --ram 16 --disk 100 -o json)
S3=$(jq -r .id <<<"$out" 2>/dev/null); check "server add (T4, unbound)" test -n "$S3" -a "$S3" != null
out=$(cli "$PHOME" server list)
expect_eq "server list: a header and 3 servers" 4 "$(wc -l <<<"$out")"
expect_contains "server list shows the worker" "${WADDR[1]}" "$out"
out=$(cli "$PHOME" server add --model "RTX 4090" --gpus 1 --vram 24 --price 1 --host h --ports 1-2 \
      --country DE --worker-key w1); rc=$?
expect_eq "binding a worker twice fails" 1 "$rc"
expect_contains "with the API's reason" "worker_bound" "$out"
expect_eq "and the refused server is removed again" 4 "$(cli "$PHOME" server list | wc -l)"
# an API key instead of the session (made with the session's own access token)
AT=$(jq -r .access_token "$PHOME/session.json")
KEY=$(curl -fsS -X POST -H "Authorization: Bearer $AT" -H 'Content-Type: application/json' \
      --data '{"name":"it","scopes":["read"]}' "$NODE/api-keys" | jq -r .key)
out=$(CPC_API_KEY="$KEY" "$CPC_BIN/cpc-cli" --home "$T_DIR/nosession" --node "$NODE" server list 2>&1)
expect_eq "CPC_API_KEY without a session: server list" 4 "$(wc -l <<<"$out")"
out=$("$CPC_BIN/cpc-cli" --home "$T_DIR/nosession" --node "$NODE" server rm "$S3" --api-key "$KEY" 2>&1)
expect_contains "a read-only API key cannot remove a server" "insufficient_scope" "$out"
# an access token the node refuses: one refresh (rotating the refresh token), then the call
old_rt=$(jq -r .refresh_token "$PHOME/session.json")
jq '.access_token = "expired"' "$PHOME/session.json" >"$T_DIR/s.json" && cat "$T_DIR/s.json" >"$PHOME/session.json"
expect_eq "a refused access token is refreshed once" 4 "$(cli "$PHOME" server list | wc -l)"
check "the refresh rotated the saved refresh token" test "$(jq -r .refresh_token "$PHOME/session.json")" != "$old_rt"
jq '.access_token = "expired" | .refresh_token = "spent"' "$PHOME/session.json" >"$T_DIR/s.json"
cp "$PHOME/session.json" "$T_DIR/good.json"; cat "$T_DIR/s.json" >"$PHOME/session.json"
out=$(cli "$PHOME" server list); rc=$?
expect_eq "an expired session exits 1" 1 "$rc"; expect_contains "says to log in again" "login" "$out"
cat "$T_DIR/good.json" >"$PHOME/session.json"

# ---- customer: funds from an admin deposit ----
echo "$PW" | "$CPC_BIN/cpcd" admin create --email admin@example.com --home "$NHOME" >/dev/null 2>&1 ||
  fail "cpcd admin create"
ADMIN_TOKEN=$(token_of admin@example.com "$PW")
CUST_ID=$(cat "$T_DIR/customer@example.com.id")
curl -fsS -X POST -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
  --data "{\"user_id\":$CUST_ID,\"amount_cpc\":\"500\",\"reference\":\"it-deposit-1\"}" \
  "$NODE/admin/deposits" >/dev/null || fail "admin deposit"
echo "$PW" | cli "$CHOME" login --email customer@example.com >/dev/null || fail "customer login"
for _ in $(seq 1 100); do
  bal=$(clij "$CHOME" balance -o json | jq -r .balance_cpc); [ "$bal" = 500 ] && break; sleep 0.1
done
expect_eq "balance shows the deposit" 500 "$bal"
expect_contains "deposit prints the wallet's address" "Send CPC to cpc1" "$(cli "$CHOME" deposit)"

# ---- search with each filter (wait until both bound servers are online) ----
for _ in $(seq 1 150); do
  n=$(clij "$CHOME" gpu search --status online -o json | jq '.servers | length'); [ "$n" = 2 ] && break
  sleep 0.2
done
expect_eq "--status online: the 2 servers with a worker" 2 "$n"
ids() { clij "$CHOME" gpu search "$@" -o json | jq -r '[.servers[].id] | join(" ")'; }
expect_eq "no filter: cheapest first" "$S3 $S1 $S2" "$(ids)"
expect_eq "--status offline" "$S3" "$(ids --status offline)"
expect_eq "--model" "$S1" "$(ids --model "RTX 4090")"
expect_eq "--min-price 1 (CPC/h, whole server)" "$S1 $S2" "$(ids --min-price 1)"
expect_eq "--max-price 3.3 (the A100 is 3.85)" "$S3 $S1" "$(ids --max-price 3.3)"
expect_eq "--location DE" "$S3 $S1" "$(ids --location DE)"
expect_eq "--location US/Austin" "$S2" "$(ids --location US/Austin)"
expect_eq "--min-vram 32" "$S2" "$(ids --min-vram 32)"
expect_eq "--count 2" "$S1" "$(ids --count 2)"
expect_eq "--sort perf: best score first (340, 280, 40)" "$S1 $S2 $S3" "$(ids --sort perf)"
expect_eq "--page 2 is empty" "" "$(ids --page 2)"
expect_eq "gpu show" "$S2 A100 80GB 3850000000" \
  "$(clij "$CHOME" gpu show "$S2" | jq -r '"\(.id) \(.gpu_model) \(.price_per_hour)"')"
out=$(cli "$CHOME" gpu search --model "RTX 4090")
expect_contains "text table: price per hour with commission (2 x 1.5 + 10%)" "3.3" "$out"
expect_contains "text table has the header" "CPC/HOUR" "$out"

# ---- rent by id, show, ssh --print, end ----
ssh-keygen -q -t ed25519 -N '' -f "$T_DIR/id" -C it
out=$(cli "$CHOME" rent "$S1" --hours 1 --ssh-key "$T_DIR/id.pub" --wait); rc=$?
expect_eq "rent by id --wait exits 0 ($out)" 0 "$rc"
R1=$(grep -o '^Rental [0-9a-f]\{64\}' <<<"$out" | cut -d' ' -f2)
check "prints the rental id" test -n "$R1"
expect_contains "prints what it costs per hour" "costs    3.3 CPC per hour (provider 3 + commission 0.3)" "$out"
expect_contains "open after --wait" "status   open" "$out"
expect_eq "rental show: open" open "$(clij "$CHOME" rental show "$R1" -o json | jq -r .status)"
expect_contains "rentals lists it" "$R1" "$(cli "$CHOME" rentals)"
expect_eq "rental ssh --print" "ssh -p 22000 cpc@127.0.0.1" "$(cli "$CHOME" rental ssh "$R1" --print)"
expect_eq "rental ssh --print -o json" "127.0.0.1 22000 cpc ssh -p 22000 cpc@127.0.0.1" \
  "$(clij "$CHOME" rental ssh "$R1" --print -o json | jq -r '"\(.host) \(.port) \(.user) \(.command)"')"
# without --print it execs ssh (a fake one on PATH records its argv: one argument each, no shell)
mkdir -p "$T_DIR/bin"
printf '#!/bin/sh\nprintf "%%s|" "$@" >"%s/ssh_argv"\n' "$T_DIR" >"$T_DIR/bin/ssh"; chmod +x "$T_DIR/bin/ssh"
PATH="$T_DIR/bin:$PATH" "$CPC_BIN/cpc-cli" --home "$CHOME" --node "$NODE" rental ssh "$R1"
expect_eq "rental ssh execs ssh -p PORT USER@HOST" "-p|22000|cpc@127.0.0.1|" "$(cat "$T_DIR/ssh_argv" 2>/dev/null)"
out=$(cli "$CHOME" rental end "$R1" --wait); rc=$?
expect_eq "rental end --wait exits 0" 0 "$rc"
expect_contains "ended" "ended" "$out"
out=$(cli "$CHOME" rental end "$R1"); rc=$?
expect_eq "ending it again exits 1" 1 "$rc"; expect_contains "with the API's code" "already_ended" "$out"

# ---- rent by requirements ----
out=$(clij "$CHOME" rent --model "A100 80GB" --count 1 --max-price 4 --hours 2 --ssh-key "$T_DIR/id.pub" --wait -o json)
R2=$(jq -r .id <<<"$out" 2>/dev/null)
expect_eq "rent by requirements picks the A100" "$S2" "$(jq -r .server_id <<<"$out" 2>/dev/null)"
out=$(cli "$CHOME" rent --model "A100 80GB" --max-price 1 --hours 1 --ssh-key "$T_DIR/id.pub"); rc=$?
expect_eq "nothing that cheap: exits 1" 1 "$rc"; expect_contains "no_server" "no_server" "$out"
cli "$CHOME" rental end "$R2" --wait >/dev/null; expect_eq "end the second rental" 0 $?

# ---- the README journey, five commands (login, search, rent, ssh, end) ----
J=$T_DIR/journey; mkdir -p "$J"
(
  export CPC_HOME="$J" CPC_NODE="$NODE"
  echo "$PW" | "$CPC_BIN/cpc-cli" login --email customer@example.com >/dev/null &&
  id=$("$CPC_BIN/cpc-cli" gpu search --status online --sort price -o json | jq -r '.servers[0].id') &&
  rid=$("$CPC_BIN/cpc-cli" rent "$id" --hours 1 --ssh-key "$T_DIR/id.pub" --wait -o json | jq -r .id) &&
  "$CPC_BIN/cpc-cli" rental ssh "$rid" --print | grep -q '^ssh -p 22000 cpc@127.0.0.1$' &&
  "$CPC_BIN/cpc-cli" rental end "$rid" >/dev/null
); expect_eq "README journey (login, gpu search, rent, rental ssh, rental end)" 0 $?

# ---- bad inputs: non-zero with a message ----
bad() { # bad DESCRIPTION EXPECTED_RC NEEDLE ARGS...
  local d="$1" want="$2" needle="$3"; shift 3
  out=$(cli "$CHOME" "$@" </dev/null); local rc=$?
  expect_eq "$d exits $want" "$want" "$rc"; expect_contains "$d says why" "$needle" "$out"
}
bad "rent without --hours" 2 "--hours" rent "$S1" --ssh-key "$T_DIR/id.pub"
bad "rent with --hours 0" 2 "1..720" rent "$S1" --hours 0 --ssh-key "$T_DIR/id.pub"
bad "rent with an id and requirements" 2 "not both" rent "$S1" --model T4 --hours 1 --ssh-key "$T_DIR/id.pub"
bad "rent with a private key" 1 "private key" rent "$S1" --hours 1 --ssh-key "$T_DIR/id"
bad "rent with a missing key file" 1 "--ssh-key" rent "$S1" --hours 1 --ssh-key "$T_DIR/nope.pub"
bad "rent an offline server" 1 "server_offline" rent "$S3" --hours 1 --ssh-key "$T_DIR/id.pub"
bad "rent an unknown server" 1 "HTTP 4" rent 00000000-0000-4000-8000-000000000000 --hours 1 --ssh-key "$T_DIR/id.pub"
bad "rent a bad image" 1 "invalid_image" rent "$S1" --hours 1 --image 'UPPER;rm' --ssh-key "$T_DIR/id.pub"
bad "search --sort -price" 2 "dearest" gpu search --sort -price
bad "search --sort bogus" 2 "price or perf" gpu search --sort bogus
bad "search --status bogus" 2 "online or offline" gpu search --status bogus
bad "search --min-price x" 2 "amount in CPC" gpu search --min-price x
bad "search --count 0" 2 "1..16" gpu search --count 0
bad "search an unknown model" 1 "invalid_model" gpu search --model "GTX 1" 
bad "search a bad country" 1 "invalid_country" gpu search --location ZZ
bad "rental show of a non-id" 2 "64 hex" rental show xyz
bad "rental show of someone else's/unknown" 1 "HTTP 404" rental show "$(printf 'a%.0s' {1..64})"
bad "rental end of a non-id" 2 "64 hex" rental end 12
bad "a flag of another command" 2 "not valid" rentals --hours 3
bad "server add without fields" 2 "needs --model" server add --model T4
bad "server add --ports nonsense" 2 "--ports" server add --model T4 --gpus 1 --vram 16 --price 1 \
  --host h --ports 22-x --country DE
bad "server add as a customer with a bad model" 1 "invalid_gpu_model" server add --model X --gpus 1 \
  --vram 16 --price 1 --host h --ports 1-2 --country DE --ram 1 --disk 1
bad "server rm of a non-id" 2 "UUID" server rm nope
bad "server rm of another's server" 1 "HTTP 404" server rm "$S1"
bad "a wrong API key" 1 "invalid_token" gpu search --api-key cpc_notakey
for c in "login" "logout" "balance" "deposit" "rent" "rentals" "gpu search" "gpu show" "rental show" \
         "rental ssh" "rental end" "server add" "server list" "server rm"; do
  # shellcheck disable=SC2086
  "$CPC_BIN/cpc-cli" $c --help | grep -q "^Usage: cpc-cli $c"; check "$c --help" test $? -eq 0
done

out=$(cli "$CHOME" logout); expect_contains "logout revokes the session" "session revoked" "$out"
check "logout removes session.json" test ! -e "$CHOME/session.json"
bad "after logout" 1 "not logged in" rentals

# ---- no token was ever printed ----
for h in "$PHOME" "$J"; do
  t=$(jq -r .access_token "$h/session.json" 2>/dev/null); r=$(jq -r .refresh_token "$h/session.json" 2>/dev/null)
  for s in "$t" "$r"; do
    [ -n "$s" ] && [ "$s" != null ] && grep -q -F -- "$s" "$ALL_OUT" && fail "a token was printed"
  done
done
check "the outputs hold no token-shaped secret" bash -c "! grep -q -E 'access_token|refresh_token' '$ALL_OUT'"
finish
