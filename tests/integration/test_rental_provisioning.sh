#!/usr/bin/env bash
# test_rental_provisioning.sh — a customer's rental runs on the provider's
# machine, end to end: a real cpcd with the platform, a provider whose server
# (127.0.0.1, one SSH port) is bound to a running cpc-worker with the sandbox
# provisioner ([provision] kind = sandbox), a customer funded from the faucet
# who rents it. The worker learns the rental from its heartbeat answer and
# starts a real sshd in bubblewrap: the customer's key logs in (echo hello);
# the rental's provisioning says running; a reboot gives a new sshd; the logs
# route shows sshd's log; the worker SIGKILLed and restarted adopts the
# running sshd instead of starting a second; DELETE /rentals/{id} ends it on
# chain and the worker stops it (the port closes). Every wait polls with a
# deadline.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CLI="$CPC_BIN/cpc-cli"
WK="$CPC_BIN/cpc-worker"
SSH_OPTS=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
          -o LogLevel=ERROR -o ConnectTimeout=5)

if [ ! -x /usr/sbin/sshd ]; then
  fail "/usr/sbin/sshd missing: run scripts/deps.sh (openssh-server)"; finish
fi
if ! bwrap --unshare-user --unshare-pid --ro-bind / / true 2>/dev/null; then
  echo "skip - bubblewrap cannot make user namespaces here"; finish
fi
if ! python3 -c 'import cryptography' 2>/dev/null; then
  echo "skip - python3 cryptography missing (signs the worker binding)"; finish
fi

PORT=$(free_port)
NODE="http://127.0.0.1:$PORT"
export CPC_HOME="$T_DIR/home"
export CPC_NODE="$NODE"
"$CPC_BIN/cpcd" init --home "$CPC_HOME" >/dev/null 2>&1 || { fail "cpcd init"; finish; }
printf '\n[platform]\nargon2_opslimit = 1\nargon2_memlimit_kib = 8\n' >>"$CPC_HOME/config"
start_node "$CPC_HOME" "$PORT" --block-time 300 || { fail "node start"; finish; }

WH="$T_DIR/worker"; mkdir -p "$WH"
RD="$T_DIR/rentals"
chmod 0711 "$T_DIR" # a root worker runs the sandbox as nobody, who walks down to RD
printf '[provision]\nkind = sandbox\nlisten = 127.0.0.1\ndir = %s\n' "$RD" >"$WH/config"
W_PID=""
RID=""
stop_all() { # the sandbox outlives a killed worker: stop it whatever happened
  [ -n "$W_PID" ] && kill -KILL "$W_PID" 2>/dev/null
  [ -n "$RID" ] && "$WK" --home "$WH" rental stop --address "$WADDR" --id "$RID" >/dev/null 2>&1
  t_cleanup
}
trap stop_all EXIT

# ---- accounts: a provider and a customer, verified from the outbox ----
api() { # api METHOD PATH [JSON] [TOKEN] -> CODE, BODY
  local args=(-sS --max-time 15 -A "it-agent/1" -o "$T_DIR/body" -w '%{http_code}' -X "$1")
  [ -n "${3:-}" ] && args+=(-H 'Content-Type: application/json' --data "$3")
  [ -n "${4:-}" ] && args+=(-H "Authorization: Bearer $4")
  CODE=$(curl "${args[@]}" "$NODE$2"); BODY=$(cat "$T_DIR/body")
}
user_up() { # user_up EMAIL -> TOKEN (verified, logged in)
  local n mail code
  api POST /auth/register "{\"email\":\"$1\",\"password\":\"Provision pass 2024\"}"
  for _ in $(seq 1 100); do
    mail=$(grep -l "$1" "$CPC_HOME"/outbox/*.eml 2>/dev/null | head -1); [ -n "$mail" ] && break
    sleep 0.1
  done
  code=$(grep -o 'confirmation code is: [0-9]\{6\}' "$mail" | grep -o '[0-9]\{6\}$')
  curl -sS --max-time 10 -o /dev/null "$NODE/auth/verify?email=${1/@/%40}&code=$code"
  api POST /auth/login "{\"email\":\"$1\",\"password\":\"Provision pass 2024\"}"
  TOKEN=$(jq -r .access_token <<<"$BODY")
}
user_up provider@example.com; PROV=$TOKEN
user_up customer@example.com; CUST=$TOKEN
check "both users signed in" test -n "$PROV" -a "$PROV" != null -a -n "$CUST" -a "$CUST" != null
api PATCH /me '{"roles":["provider"]}' "$PROV"; expect_eq "provider role" 200 "$CODE"
api GET /me "" "$PROV"; PROV_ID=$(jq -r .id <<<"$BODY")

# ---- the worker: key, funds, WORKER_REGISTER ----
WADDR=$("$WK" --home "$WH" init 2>/dev/null | jq -r .address)
"$CLI" tx send "$WADDR" 100 --from faucet --wait >/dev/null 2>&1; check "fund the worker" test $? -eq 0
out=$("$WK" --home "$WH" register --stake 10 2>&1); check "worker registers: $out" test $? -eq 0

# ---- the server, one SSH port, bound to the worker ----
SSHP=$(free_port)
api POST /provider/servers "{\"gpu_model\":\"RTX 4090\",\"gpu_count\":1,\"vram_gb\":24,
  \"cuda_cores\":16384,\"cpu\":\"test\",\"ram_gb\":64,\"disk_gb\":500,\"host\":\"127.0.0.1\",
  \"ssh_port_min\":$SSHP,\"ssh_port_max\":$SSHP,\"country\":\"DE\",\"city\":\"Berlin\",
  \"price_per_gpu_hour\":600000000}" "$PROV"
expect_eq "server added" 201 "$CODE"; SRV=$(jq -r .id <<<"$BODY")
BIND=$(python3 - "$WH/keyring/worker.json" "$SRV" "$PROV_ID" <<'PY'
import hashlib, json, sys
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.hazmat.primitives import hashes
k = json.load(open(sys.argv[1]))
sk = ec.derive_private_key(int(k["seckey"], 16), ec.SECP256K1())
digest = hashlib.sha256(("cpc-server-bind" + sys.argv[2] + sys.argv[3]).encode()).digest()
r, s = utils.decode_dss_signature(sk.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256()))))
n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
s = min(s, n - s)  # low-S, as libsecp256k1 verifies
sig = r.to_bytes(32, "big").hex() + s.to_bytes(32, "big").hex()
print(json.dumps({"worker": {"address": k["address"], "pubkey": k["pubkey"], "signature": sig}}))
PY
)
api PUT "/provider/servers/$SRV" "$BIND" "$PROV"; expect_eq "worker bound: $BODY" 200 "$CODE"

"$WK" --home "$WH" run --no-synthetic --threads 1 >>"$T_DIR/w.log" 2>&1 &
W_PID=$!
for _ in $(seq 1 100); do
  api GET "/provider/servers/$SRV" "" "$PROV"; [ "$(jq -r .status <<<"$BODY")" = online ] && break
  sleep 0.2
done
expect_eq "the server is online once the worker beats" online "$(jq -r .status <<<"$BODY")"

# ---- the customer rents it ----
ssh-keygen -q -t ed25519 -N '' -f "$T_DIR/cust" -C customer
CADDR=$(api GET /me/wallet "" "$CUST"; jq -r .address <<<"$BODY")
"$CLI" tx send "$CADDR" 1000 --from faucet --wait >/dev/null 2>&1; check "fund the customer" test $? -eq 0
api POST /rentals "{\"gpu_id\":\"$SRV\",\"hours\":1,\"ssh_public_key\":\"$(cat "$T_DIR/cust.pub")\"}" "$CUST"
expect_eq "rental ordered: $BODY" 202 "$CODE"; RID=$(jq -r .id <<<"$BODY")

port_open() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
wait_for() { # wait_for SECONDS COMMAND...: polls every 0.2 s
  local end=$((SECONDS + $1)); shift
  while [ $SECONDS -lt $end ]; do "$@" && return 0; sleep 0.2; done
  return 1
}
check "the worker starts the rental's sshd (port $SSHP open)" wait_for 40 port_open "$SSHP"
out=$(ssh -i "$T_DIR/cust" -p "$SSHP" "${SSH_OPTS[@]}" cpc@127.0.0.1 'echo hello' 2>&1)
expect_eq "the customer's key logs in" hello "$out"
prov_state() { api GET "/rentals/$RID" "" "$CUST"; [ "$(jq -r .provisioning.state <<<"$BODY")" = "$1" ]; }
check "provisioning says running" wait_for 20 prov_state running
api GET /provider/servers "" "$PROV"
expect_eq "the rented server is busy" busy "$(jq -r '.servers[0].status' <<<"$BODY")"

pid_of() { "$WK" --home "$WH" rental status --address "$WADDR" 2>/dev/null | jq -r "select(.id == \"$RID\") | .pid"; }
PID1=$(pid_of)
check "one sandbox recorded with a pid ($PID1)" test -n "$PID1" -a "$PID1" != 0
check "the worker keeps its rentals in its own folder (a shared home is safe)" \
  test -f "$WH/worker/$WADDR/rentals.json" -a ! -e "$WH/worker/rentals.json"

# ---- reboot: a new sshd, the same key ----
api POST "/rentals/$RID/reboot" "" "$CUST"; expect_eq "reboot accepted" 202 "$CODE"
new_pid() { local p; p=$(pid_of); [ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$PID1" ]; }
check "the worker rebooted it (a new sandbox)" wait_for 30 new_pid
PID2=$(pid_of)
check "sshd is back after the reboot" wait_for 20 port_open "$SSHP"
out=$(ssh -i "$T_DIR/cust" -p "$SSHP" "${SSH_OPTS[@]}" cpc@127.0.0.1 'echo hello' 2>&1)
expect_eq "the customer logs in after the reboot" hello "$out"

# ---- logs: sshd's log reaches the node (uploaded at most every 30 s) ----
has_log() { api GET "/rentals/$RID/logs" "" "$CUST"; [ "$(jq -r '.tail // ""' <<<"$BODY" | wc -c)" -gt 1 ]; }
check "the logs route shows the rental's log" wait_for 45 has_log
expect_contains "it is sshd's" "Server listening on 127.0.0.1 port $SSHP" "$(jq -r .tail <<<"$BODY")"
api GET "/rentals/$RID/logs" "" "$PROV"; expect_eq "another user's rental: 404" 404 "$CODE"

# ---- the worker SIGKILLed mid-rental and restarted: adopted, not started twice ----
kill -KILL "$W_PID"; wait "$W_PID" 2>/dev/null
"$WK" --home "$WH" run --no-synthetic --threads 1 >>"$T_DIR/w2.log" 2>&1 &
W_PID=$!
check "the restarted worker adopts the running rental" wait_for 20 grep -q "1 running adopted" "$T_DIR/w2.log"
check "provisioning says running after the restart" wait_for 20 prov_state running
expect_eq "the same sandbox runs (not started twice)" "$PID2" "$(pid_of)"
procs_of() { pgrep -f -- "$RD/$RID/ssh" | while read -r p; do
  [ "$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)" != Z ] && echo "$p"; done | wc -l; }
n=$(procs_of)
expect_eq "one sandbox (outer bwrap + its init)" 2 "$n"

# ---- DELETE: ended on chain, the worker stops it ----
api DELETE "/rentals/$RID" "" "$CUST"; expect_eq "rental ends" 202 "$CODE"
port_closed() { ! port_open "$SSHP"; }
check "the worker stops the ended rental (port closed)" wait_for 40 port_closed
check "provisioning says stopped" wait_for 20 prov_state stopped
no_sandbox() { [ "$(procs_of)" = 0 ]; }
check "no sandbox process is left" wait_for 10 no_sandbox
[ $T_FAIL -gt 0 ] && { echo "--- worker log"; tail -n 30 "$T_DIR/w.log" "$T_DIR/w2.log"; }
finish
