#!/usr/bin/env bash
# `cpc-cli login` on an account with TOTP 2FA, against a real cpcd on a free
# port (a node of its own: logins are 5 a minute per address, and
# test_cli_rentals.sh uses them all): the node answers totp_required, the CLI
# reads the code as the next line of stdin (a recovery code here, so no
# 30-second TOTP window can make it a reused code) and the session works; a
# wrong code exits 1 with the API's message; no token is printed.
source "$(dirname "$0")/lib.sh"

PORT=$(free_port)
NODE="http://127.0.0.1:$PORT"
NHOME="$T_DIR/node"
CHOME="$T_DIR/cli"
PW="Totp pass 2024"
EMAIL=totp@example.com

"$CPC_BIN/cpcd" init --home "$NHOME" >/dev/null 2>&1 || { fail "cpcd init"; finish; }
printf '\n[platform]\nargon2_opslimit = 1\nargon2_memlimit_kib = 8\n' >>"$NHOME/config"
start_node "$NHOME" "$PORT" --block-time 300 || { fail "node start"; finish; }
post() { curl -sS -X POST -H 'Content-Type: application/json' ${3:+-H "Authorization: Bearer $3"} \
         --data "$2" "$NODE$1"; }
totp() { python3 -c 'import hmac,hashlib,base64,struct,time,sys
s=sys.argv[1]; k=base64.b32decode(s+"="*((8-len(s)%8)%8))
h=hmac.new(k,struct.pack(">Q",int(time.time())//30),hashlib.sha1).digest(); o=h[-1]&15
print("%06d"%((struct.unpack(">I",h[o:o+4])[0]&0x7fffffff)%1000000))' "$1"; }

post /auth/register "{\"email\":\"$EMAIL\",\"password\":\"$PW\"}" >/dev/null
code=""
for _ in $(seq 1 100); do
  code=$(cat "$NHOME"/outbox/*.eml 2>/dev/null | grep -o 'confirmation code is: [0-9]\{6\}' | grep -o '[0-9]\{6\}')
  [ -n "$code" ] && break; sleep 0.1
done
post /auth/verify "{\"email\":\"$EMAIL\",\"code\":\"$code\"}" >/dev/null
AT=$(post /auth/login "{\"email\":\"$EMAIL\",\"password\":\"$PW\"}" | jq -r .access_token)
SECRET=$(post /auth/2fa/setup '{}' "$AT" | jq -r .secret)
ans=$(post /auth/2fa/enable "{\"code\":\"$(totp "$SECRET")\"}" "$AT")
expect_eq "2FA enabled" true "$(jq -r .enabled <<<"$ans")"
R1=$(jq -r '.recovery_codes[0]' <<<"$ans")

out=$(printf '%s\n000000\n' "$PW" | "$CPC_BIN/cpc-cli" --home "$CHOME" --node "$NODE" login --email "$EMAIL" 2>&1)
rc=$?
expect_eq "a wrong 2FA code exits 1" 1 "$rc"
expect_contains "with the API's code" "invalid_totp" "$out"
check "and leaves no session" test ! -e "$CHOME/session.json"

out=$(printf '%s\n%s\n' "$PW" "$R1" | "$CPC_BIN/cpc-cli" --home "$CHOME" --node "$NODE" login --email "$EMAIL" 2>&1)
rc=$?
expect_eq "login with the 2FA code on the next stdin line exits 0 ($out)" 0 "$rc"
expect_eq "session.json is mode 0600" 600 "$(stat -c %a "$CHOME/session.json" 2>/dev/null)"
out=$("$CPC_BIN/cpc-cli" --home "$CHOME" --node "$NODE" balance -o json 2>&1)
check "the session works (balance)" test "$(jq -r .balance <<<"$out" 2>/dev/null)" = 0
t=$(jq -r .access_token "$CHOME/session.json"); r=$(jq -r .refresh_token "$CHOME/session.json")
case "$out" in *"$t"*|*"$r"*) fail "a token was printed" ;; *) ok "no token printed" ;; esac
finish
