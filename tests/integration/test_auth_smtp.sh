#!/usr/bin/env bash
# Platform accounts end to end against a real cpcd and a real SMTP server on
# 127.0.0.1 (python3-aiosmtpd, a sink that writes each message to a folder):
# sign up while the mail server is down (the queued mail must survive and be
# retried), start the server, read the code from the captured email, verify,
# log in, GET /me, refresh (rotation), reuse of the old refresh token,
# logout; then enable TOTP 2FA and log in with a code (computed by a small
# python3 RFC 6238 implementation at the wall clock), forgot password, reset
# with the token from the captured email, and see the old sessions revoked;
# an API key (X-API-Key, X-RateLimit-* headers, a list without secrets), the
# custodial wallet and a link challenge; `cpcd admin create` reading the
# password from stdin. Ends by grepping the database and the node log for the
# secrets (reset token, TOTP secret, recovery codes, API key and challenge
# included).
# Needs python3-aiosmtpd (scripts/deps.sh installs it); skips without it.
source "$(dirname "$0")/lib.sh"

PY=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import aiosmtpd' 2>/dev/null; then PY="$p"; break; fi
done
if [ -z "$PY" ]; then
  echo "skipped: python3-aiosmtpd not installed"
  exit 0
fi

PORT=$(free_port)
SMTP_PORT=$(free_port)
while [ "$SMTP_PORT" = "$PORT" ]; do SMTP_PORT=$(free_port); done
NODE="http://127.0.0.1:$PORT"
HOME_DIR="$T_DIR/home"
MAIL_DIR="$T_DIR/mail"
mkdir -p "$MAIL_DIR"

SINK="$(cd "$(dirname "$0")/../tools" && pwd)/smtp_sink.py" # writes N.eml, touches ready

"$CPC_BIN/cpcd" init --home "$HOME_DIR" >/dev/null 2>&1 || { fail "cpcd init"; finish; }
cat >>"$HOME_DIR/config" <<EOF

[platform]
argon2_opslimit = 1
argon2_memlimit_kib = 8

[smtp]
host = 127.0.0.1
port = $SMTP_PORT
from = noreply@computechain.test
starttls = false
EOF
start_node "$HOME_DIR" "$PORT" --block-time 1000 || { fail "node start"; finish; }

post() { # post PATH JSON -> CODE BODY
  CODE=$(curl -sS --max-time 10 -A "it-agent/1" -o "$T_DIR/body" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' --data "$2" "$NODE$1")
  BODY=$(cat "$T_DIR/body")
}

EMAIL="journey@example.com"
PASSWORD="Journey pass 2024"

# --- sign up while the SMTP server is still down ---
post /auth/register "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}"
expect_eq "register answers 201" 201 "$CODE"
for _ in $(seq 1 100); do grep -q "failed (try 1)" "$NODE_LOG" && break; sleep 0.1; done
check "delivery failed while the server was down, and was kept for retry" grep -q "failed (try 1)" "$NODE_LOG"

# --- the server comes up: the queued mail arrives on the next retry ---
"$PY" "$SINK" "$MAIL_DIR" "$SMTP_PORT" >>"$T_DIR/sink.log" 2>&1 &
for _ in $(seq 1 100); do [ -e "$MAIL_DIR/ready" ] && break; sleep 0.1; done
check "SMTP sink is listening" test -e "$MAIL_DIR/ready"
for _ in $(seq 1 200); do [ -e "$MAIL_DIR/1.eml" ] && break; sleep 0.1; done
check "the confirmation mail reached the SMTP server" test -e "$MAIL_DIR/1.eml"
MAIL=$(cat "$MAIL_DIR/1.eml" 2>/dev/null)
expect_contains "mail is addressed to the user" "X-Rcpt: $EMAIL" "$MAIL"
expect_contains "mail has a From header" "From: <noreply@computechain.test>" "$MAIL"
VCODE=$(echo "$MAIL" | grep -o 'confirmation code is: [0-9]\{6\}' | grep -o '[0-9]\{6\}$')
check "mail holds a six-digit code" test -n "$VCODE"

# --- verify, log in, /me ---
post /auth/login "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}"
expect_eq "login before verification is 403" 403 "$CODE"
# the mail's confirmation link (GET /auth/verify?email=&code=), opened on this node
LINK=$(echo "$MAIL" | grep -o '/auth/verify?email=[^ ]*' | tr -d '\r' | head -1)
expect_eq "the mail's link carries the encoded email and the code" \
  "/auth/verify?email=journey%40example.com&code=$VCODE" "$LINK"
CODE=$(curl -sS --max-time 10 -o "$T_DIR/body" -w '%{http_code}' "$NODE$LINK")
expect_eq "opening the confirmation link verifies (200)" 200 "$CODE"
expect_eq "  ... and says so" true "$(jq -r .email_verified "$T_DIR/body")"
post /auth/login "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}"
expect_eq "login answers 200" 200 "$CODE"
ACCESS=$(echo "$BODY" | jq -r .access_token)
R1=$(echo "$BODY" | jq -r .refresh_token)
expect_eq "access token lives 15 min" 900 "$(echo "$BODY" | jq -r .expires_in)"
ME=$(curl -sS --max-time 10 -H "Authorization: Bearer $ACCESS" "$NODE/me")
expect_eq "GET /me shows the email" "$EMAIL" "$(echo "$ME" | jq -r .email)"
expect_eq "GET /me shows the role" customer "$(echo "$ME" | jq -r '.roles[0]')"

# --- refresh rotates; the old token is then refused ---
post /auth/refresh "{\"refresh_token\":\"$R1\"}"
expect_eq "refresh answers 200" 200 "$CODE"
R2=$(echo "$BODY" | jq -r .refresh_token)
check "refresh gives a new token" test "$R1" != "$R2"
post /auth/refresh "{\"refresh_token\":\"$R2\"}"
expect_eq "the new token refreshes again" 200 "$CODE"
R3=$(echo "$BODY" | jq -r .refresh_token)

# --- logout ---
post /auth/logout "{\"refresh_token\":\"$R3\"}"
expect_eq "logout answers 200" 200 "$CODE"
post /auth/refresh "{\"refresh_token\":\"$R3\"}"
expect_eq "a logged-out token is refused" 401 "$CODE"
post /auth/refresh "{\"refresh_token\":\"$R1\"}"
expect_eq "a rotated token is refused" 401 "$CODE"

post_bearer() { # post_bearer PATH JSON TOKEN -> CODE BODY
  CODE=$(curl -sS --max-time 10 -A "it-agent/1" -o "$T_DIR/body" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' -H "Authorization: Bearer $3" --data "$2" "$NODE$1")
  BODY=$(cat "$T_DIR/body")
}
totp() { # totp BASE32 [STEP_OFFSET] -> the RFC 6238 code (SHA-1, 30 s, 6 digits) at wall time
  "$PY" - "$1" "${2:-0}" <<'PYEOF'
import base64, hashlib, hmac, struct, sys, time
key = base64.b32decode(sys.argv[1])
step = int(time.time()) // 30 + int(sys.argv[2])
h = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))
PYEOF
}

# --- 2FA: set up, enable with a code, then the login needs a code ---
post_bearer /auth/2fa/setup '{}' "$ACCESS"
expect_eq "2fa setup answers 200" 200 "$CODE"
SECRET=$(echo "$BODY" | jq -r .secret)
expect_eq "otpauth URI" "otpauth://totp/ComputeChain:$EMAIL?secret=$SECRET&issuer=ComputeChain" \
  "$(echo "$BODY" | jq -r .otpauth_uri)"
post_bearer /auth/2fa/enable "{\"code\":\"$(totp "$SECRET")\"}" "$ACCESS"
expect_eq "2fa enable answers 200" 200 "$CODE"
expect_eq "10 recovery codes" 10 "$(echo "$BODY" | jq -r '.recovery_codes | length')"
RECOVERY=$(echo "$BODY" | jq -r '.recovery_codes[]')
post /auth/login "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}"
expect_eq "login without a code is 401" 401 "$CODE"
expect_eq "... totp_required" totp_required "$(echo "$BODY" | jq -r .error.code)"
# the next step's code (accepted one step ahead; the enable step is spent)
post /auth/login "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"totp\":\"$(totp "$SECRET" 1)\"}"
expect_eq "login with TOTP answers 200" 200 "$CODE"
ACCESS2=$(echo "$BODY" | jq -r .access_token)
R4=$(echo "$BODY" | jq -r .refresh_token)
post /auth/refresh "{\"refresh_token\":\"$R4\"}"
expect_eq "the 2FA session refreshes" 200 "$CODE"
R5=$(echo "$BODY" | jq -r .refresh_token)

# --- forgot password: the token arrives by mail; the reset ends every session ---
post /auth/password/forgot '{"email":"nobody@example.com"}'
expect_eq "forgot for an unknown email is 202" 202 "$CODE"
post /auth/password/forgot "{\"email\":\"$EMAIL\"}"
expect_eq "forgot answers 202" 202 "$CODE"
for _ in $(seq 1 200); do [ -e "$MAIL_DIR/2.eml" ] && break; sleep 0.1; done
check "the reset mail reached the SMTP server" test -e "$MAIL_DIR/2.eml"
check "only the known email got a mail" test ! -e "$MAIL_DIR/3.eml"
RESET=$(grep -a -o 'reset token is: [0-9a-f]\{64\}' "$MAIL_DIR/2.eml" | grep -o '[0-9a-f]\{64\}$')
check "mail holds a reset token" test -n "$RESET"
NEWPASS="Brand new pass 99"
post /auth/password/reset "{\"token\":\"$RESET\",\"password\":\"$NEWPASS\"}"
expect_eq "reset answers 200" 200 "$CODE"
post /auth/password/reset "{\"token\":\"$RESET\",\"password\":\"$NEWPASS\"}"
expect_eq "a reset token works once" 400 "$CODE"
post /auth/refresh "{\"refresh_token\":\"$R5\"}"
expect_eq "the old refresh token is revoked" 401 "$CODE"
ME=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ACCESS2" "$NODE/me")
expect_eq "the old access token is revoked" 401 "$ME"
post /auth/login "{\"email\":\"$EMAIL\",\"password\":\"$NEWPASS\",\"totp\":\"$(echo "$RECOVERY" | head -1)\"}"
expect_eq "the new password and a recovery code log in" 200 "$CODE"

# --- an API key (shown once, X-API-Key), the custodial wallet, a challenge ---
ACCESS3=$(echo "$BODY" | jq -r .access_token)
post_bearer /api-keys '{"name":"it-dc","scopes":["read"],"ip_whitelist":["127.0.0.0/8","::1/128"]}' "$ACCESS3"
expect_eq "an API key is made" 201 "$CODE"
APIKEY=$(echo "$BODY" | jq -r .key)
check "the key has the cpc_ form" test "${#APIKEY}" -eq 47
ME=$(curl -sS --max-time 10 -D "$T_DIR/hdrs" -H "X-API-Key: $APIKEY" "$NODE/me" | jq -r .email)
expect_eq "X-API-Key authenticates as the user" "$EMAIL" "$ME"
check "the answer carries X-RateLimit-Remaining" grep -qi '^X-RateLimit-Remaining: 999' "$T_DIR/hdrs"
KEYS=$(curl -sS --max-time 10 -H "Authorization: Bearer $ACCESS3" "$NODE/api-keys")
check "the key list holds no secret" test "$(echo "$KEYS" | grep -c -F -- "${APIKEY:12}")" -eq 0
KEYS_BY_KEY=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $APIKEY" "$NODE/api-keys")
expect_eq "an API key cannot list keys (access token only)" 403 "$KEYS_BY_KEY"
WALLET=$(curl -sS --max-time 10 -H "Authorization: Bearer $ACCESS3" "$NODE/me/wallet")
expect_eq "GET /me/wallet makes a custodial account" true "$(echo "$WALLET" | jq -r .custodial)"
post_bearer /me/wallet/challenge '{}' "$ACCESS3"
expect_eq "a link challenge is issued" 200 "$CODE"
CHALLENGE=$(echo "$BODY" | jq -r .challenge)

# --- the first admin, password from stdin ---
ADMIN_ID=$(echo "Admin pass 2024" | "$CPC_BIN/cpcd" admin create --email admin@example.com --home "$HOME_DIR" 2>>"$T_DIR/admin.log")
expect_eq "cpcd admin create exits 0" 0 "$?"
check "cpcd admin create prints the user id" test "$ADMIN_ID" -gt 0

# --- secrets never at rest in clear, never in the log ---
stop_node
for s in "$PASSWORD" "$NEWPASS" "$R1" "$R2" "$R3" "$R4" "$R5" "$ACCESS" "$ACCESS2" "$RESET" \
  "$SECRET" $RECOVERY "Admin pass 2024" "$APIKEY" "${APIKEY:12}" "$CHALLENGE"; do
  for f in "$HOME_DIR"/data/chain.db* "$NODE_LOG"; do
    if grep -a -F -q -- "$s" "$f"; then fail "a secret is in $(basename "$f")"; fi
  done
done
for f in "$HOME_DIR"/data/chain.db* "$NODE_LOG"; do
  if grep -a -P -q "(?<![0-9])$VCODE(?![0-9])" "$f"; then fail "the code is in $(basename "$f")"; fi
done
ok "no password, code, token, TOTP secret, recovery code, API key or challenge in the database or the log"

# --- passwords are argon2id (libsodium's encoded form) ---
HASHES=$(/usr/bin/python3 - "$HOME_DIR/data/chain.db" <<'PYEOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
rows = db.execute("SELECT password_hash FROM users").fetchall()
print(len(rows), sum(1 for (h,) in rows if h.startswith("$argon2id$v=19$")))
PYEOF
)
n_users=${HASHES% *}; n_argon=${HASHES#* }
check "every stored password is an argon2id hash ($n_argon of $n_users)" test "$n_users" -gt 0 -a "$n_users" = "$n_argon"
finish
