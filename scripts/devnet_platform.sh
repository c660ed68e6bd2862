#!/usr/bin/env bash
# devnet_platform.sh — the devnet's GPU-rental side, run by scripts/devnet.sh
# once the node answers and the workers are registered (env: HOME_DIR, NODE,
# BIN, WORKERS). Idempotent: every start checks and creates only what is
# missing, and prints what it created.
#   - accounts (sign-up through the API, the code read from HOME/outbox):
#     provider@devnet.example.com and customer@devnet.example.com, password
#     "devnet pass 1"; admin@devnet.example.com (`cpcd admin create`), which
#     gives the customer a 1000 CPC platform deposit (reference
#     devnet-customer-1: POST /admin/deposits never pays a reference twice);
#   - one server per worker, bound to that worker's key: the devnet's machines
#     have no GPU, and the catalogue only knows GPU models, so each is listed
#     as the smallest one, "T4" x1 with 16 GB, its `cpu` field saying
#     "devnet: CPU only, no GPU"; price 0.1 CPC per GPU-hour; SSH on
#     127.0.0.1, ports 22000+100*(N-1) .. +99 for workerN;
# (devnet.sh itself writes `[provision] kind = sandbox, listen = 127.0.0.1`
# into HOME/config before the workers start: rentals run as bubblewrap
# sandboxes with sshd on the loopback.)
# The provider's CLI session lives in HOME/devnet/provider (its keyring holds
# copies of the workers' keys, which sign the bindings), so the user's own
# `cpc-cli login` in HOME is never overwritten.
set -euo pipefail

PW="devnet pass 1"
PROV=provider@devnet.example.com
CUST=customer@devnet.example.com
ADMIN=admin@devnet.example.com
PHOME="$HOME_DIR/devnet/provider"
DONE="$HOME_DIR/devnet/accounts.done"
cli() { "$BIN/cpc-cli" --node "$NODE" "$@"; }
post() { curl -sS -X POST -H 'Content-Type: application/json' --data "$2" "$NODE$1"; }

# signup EMAIL: register and verify (the code from the outbox); a taken email is fine
signup() {
  local ans code=""
  ans=$(post /auth/register "{\"email\":\"$1\",\"password\":\"$PW\"}")
  case "$ans" in *email_taken*) return 0 ;; esac
  for _ in $(seq 1 100); do
    code=$(grep -l -s "To: <$1>" "$HOME_DIR"/outbox/*.eml | xargs -r cat |
           grep -o 'confirmation code is: [0-9]\{6\}' | tail -1 | grep -o '[0-9]\{6\}' || true)
    [ -n "$code" ] && break
    sleep 0.1
  done
  post /auth/verify "{\"email\":\"$1\",\"code\":\"$code\"}" >/dev/null
  echo "devnet: account $1 (password \"$PW\")"
}

if [ ! -e "$DONE" ]; then
  mkdir -p "$HOME_DIR/devnet"
  signup "$PROV"
  signup "$CUST"
  echo "$PW" | "$BIN/cpcd" admin create --email "$ADMIN" --home "$HOME_DIR" >/dev/null 2>&1
  admin_token=$(post /auth/login "{\"email\":\"$ADMIN\",\"password\":\"$PW\"}" | jq -r .access_token)
  cust_token=$(post /auth/login "{\"email\":\"$CUST\",\"password\":\"$PW\"}" | jq -r .access_token)
  cust_id=$(curl -fsS -H "Authorization: Bearer $cust_token" "$NODE/me" | jq -r .id)
  curl -fsS -X POST -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
    --data "{\"user_id\":$cust_id,\"amount_cpc\":\"1000\",\"reference\":\"devnet-customer-1\"}" \
    "$NODE/admin/deposits" >/dev/null
  echo "devnet: $CUST got a 1000 CPC platform deposit (admin $ADMIN)"
  touch "$DONE"
fi

# the provider's session (kept in its own home) and one server per worker
mkdir -p "$PHOME/keyring"
chmod 0700 "$PHOME" "$PHOME/keyring"
if ! cli --home "$PHOME" balance >/dev/null 2>&1; then
  echo "$PW" | cli --home "$PHOME" login --email "$PROV" >/dev/null
fi
# (no provider role yet before the first server: 403, nothing bound)
bound=$(cli --home "$PHOME" server list -o json 2>/dev/null | jq -r '.servers[].worker // empty' || true)
for i in $(seq 1 "$WORKERS"); do
  addr=$("$BIN/cpc-cli" --home "$HOME_DIR" keys show "worker$i" | jq -r .address)
  grep -qx "$addr" <<<"$bound" && continue
  install -m 0600 "$HOME_DIR/keyring/worker$i.json" "$PHOME/keyring/worker$i.json"
  lo=$((22000 + 100 * (i - 1)))
  id=$(cli --home "$PHOME" server add --model T4 --gpus 1 --vram 16 --price 0.1 --host 127.0.0.1 \
       --ports "$lo-$((lo + 99))" --country DE --city devnet --cpu "devnet: CPU only, no GPU" \
       --worker-key "worker$i" -o json 2>/dev/null | jq -r .id)
  echo "devnet: server $id listed for worker$i (T4 x1 placeholder on a CPU machine, SSH 127.0.0.1:$lo-$((lo + 99)))"
done
echo "devnet: rent one: ./cpc-cli login --email $CUST   (password \"$PW\"), then see README \"Renting a GPU\""
