#!/usr/bin/env bash
# test_cli_keys.sh — cpc-cli without a node: keys add/show/list/export/import/delete,
# the `keys show | grep | awk | tr` pipeline, --help on every command, usage errors
# (exit 2), a node that is down (exit 1, URL printed), and submit-result's local
# validation (refused before any network call).
set -euo pipefail

CPC_BIN="${CPC_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/bin}"
CLI="$CPC_BIN/cpc-cli"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
unset CPC_PASSPHRASE CPC_NODE CPC_HOME

TMP=$(mktemp -d /tmp/cpc-cli-keys.XXXXXX)
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT
H="$TMP/home"
DEAD=http://127.0.0.1:1

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }

# run ARGS...: sets RC, OUT (stdout), ERR (stderr); stdin is /dev/null (no TTY)
run() {
  RC=0
  "$CLI" "$@" </dev/null >"$TMP/out" 2>"$TMP/err" || RC=$?
  OUT=$(cat "$TMP/out")
  ERR=$(cat "$TMP/err")
}
# expect DESC RC NEEDLE_IN_STDOUT NEEDLE_IN_STDERR (needles may be empty)
expect() {
  local d="$1" rc="$2" o="$3" e="$4"
  if [ "$RC" != "$rc" ]; then bad "$d: exit $RC, expected $rc (stderr: $ERR)"; return; fi
  if [ -n "$o" ] && [[ "$OUT" != *"$o"* ]]; then bad "$d: stdout lacks '$o': $OUT"; return; fi
  if [ -n "$e" ] && [[ "$ERR" != *"$e"* ]]; then bad "$d: stderr lacks '$e': $ERR"; return; fi
  ok "$d"
}
ADDR_RE='^cpc1[02-9ac-hj-np-z]{38}$'

# ---- version, help, usage errors ----
run --version
expect "--version" 0 "cpc-cli " ""
run --help
expect "--help (top)" 0 "Usage: cpc-cli" ""
run
expect "no command -> usage on stderr, exit 2" 2 "" "Usage: cpc-cli"
for cmd in "keys" "tx" "query" "status" "keys add" "keys show" "keys list" "keys delete" \
           "keys export" "keys import" "tx send" "tx stake" "tx unstake" "tx submit-result" \
           "query block" "query balance" "query account" "query tx"; do
  # shellcheck disable=SC2086
  run $cmd --help
  expect "$cmd --help" 0 "Usage: cpc-cli $cmd" ""
done
run keys add -h
expect "keys add -h" 0 "Usage: cpc-cli keys add NAME" ""
run --home "$H" keys show --help foo
expect "--help after other args" 0 "Usage: cpc-cli keys show" ""

run bogus
expect "unknown command" 2 "" "unknown command 'bogus'"
run keys bogus
expect "unknown keys command" 2 "" "unknown command 'keys bogus'"
run keys
expect "group without command" 2 "" "Usage: cpc-cli keys COMMAND"
run --home "$H" keys list --bogus
expect "unknown flag" 2 "" "unknown flag --bogus"
run --home "$H" keys add
expect "missing argument" 2 "" "missing arguments"
run --home "$H" keys show a b
expect "too many arguments" 2 "" "too many arguments"
run --home "$H" keys show a --from b
expect "flag not valid for the command" 2 "" "flag --from is not valid for 'keys show'"
run --home "$H" keys list --output yaml
expect "bad --output" 2 "" "--output must be text or json"
run --home "$H" tx send cpc1x 1
expect "tx send without --from" 2 "" "missing --from KEY"
run --home "$H" tx stake 1 --from a --gas-price abc
expect "bad --gas-price" 2 "" "--gas-price must be"
run --home "$H" tx submit-result --from a
expect "submit-result without --task-id" 2 "" "missing --task-id"
run --home "$H" --node
expect "flag without value" 2 "" "needs a value"

# ---- keys add / show ----
run --home "$H" keys list
expect "keys list on an empty home" 0 "" ""
[ -z "$OUT" ] && ok "empty list prints nothing" || bad "empty list printed: $OUT"

run --home "$H" keys add worker
expect "keys add worker" 0 "name: worker" "key stored unencrypted (file mode 0600); use --encrypt to protect it"
ADD_ADDR=$(printf '%s\n' "$OUT" | sed -n 's/^address: //p')
[[ "$OUT" =~ pubkey:\ 0[23][0-9a-f]{64} ]] && ok "keys add prints a compressed pubkey" || bad "pubkey line: $OUT"
[ "$(stat -c %a "$H/keyring")" = 700 ] && ok "keyring dir is 0700" || bad "keyring mode $(stat -c %a "$H/keyring")"
[ "$(stat -c %a "$H/keyring/worker.json")" = 600 ] && ok "key file is 0600" || bad "key file mode"

WORKER_ADDR=$("$CLI" --home "$H" keys show worker | grep address | awk '{print $2}' | tr -d '",')
[[ "$WORKER_ADDR" =~ $ADDR_RE ]] && ok "show|grep|awk|tr yields a cpc1 address ($WORKER_ADDR)" \
  || bad "pipeline gave '$WORKER_ADDR'"
[ "$WORKER_ADDR" = "$ADD_ADDR" ] && ok "show and add agree on the address" || bad "$WORKER_ADDR != $ADD_ADDR"
run --home "$H" keys show worker
keys_order=$(printf '%s\n' "$OUT" | grep -o '^  "[a-z]*"' | tr -d ' "' | tr '\n' ,)
[ "$keys_order" = "name,address,pubkey,encrypted," ] && ok "keys show: JSON keys in order" || bad "order: $keys_order"
[ "$(printf '%s' "$OUT" | jq -r .encrypted)" = false ] && ok "keys show: valid JSON, encrypted=false" || bad "json: $OUT"
CPC_HOME="$H" run keys show worker --output text
expect "keys show is JSON even with --output text, home from CPC_HOME" 0 '"address": "cpc1' ""

run --home "$H" keys add worker
expect "duplicate name" 1 "" "Error: key worker already exists"
run --home "$H" keys add 'bad/name'
expect "bad key name" 1 "" "Error: invalid key name"
run --home "$H" keys show nobody
expect "show unknown key" 1 "" "Error: key nobody not found"

# ---- encrypted keys ----
RC=0; CPC_PASSPHRASE=s3cret "$CLI" --home "$H" keys add vault </dev/null >"$TMP/out" 2>"$TMP/err" || RC=$?
OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
expect "keys add with CPC_PASSPHRASE" 0 "name: vault" ""
[[ "$ERR" != *unencrypted* ]] && ok "no unencrypted warning for an encrypted key" || bad "warned: $ERR"
grep -q '"ciphertext"' "$H/keyring/vault.json" && ! grep -q seckey "$H/keyring/vault.json" \
  && ok "vault file holds ciphertext only" || bad "vault file content"
run --home "$H" keys add nopass --encrypt
expect "--encrypt without TTY or env" 1 "" "Error: --encrypt needs a passphrase"
[ ! -e "$H/keyring/nopass.json" ] && ok "nothing written on failure" || bad "nopass.json exists"

run --home "$H" keys export vault
expect "export encrypted key without passphrase" 1 "" "Error: key vault is encrypted: set CPC_PASSPHRASE"
RC=0; CPC_PASSPHRASE=wrong "$CLI" --home "$H" keys export vault </dev/null >"$TMP/out" 2>"$TMP/err" || RC=$?
OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
expect "export with a wrong passphrase" 1 "" "Error: wrong passphrase for key vault"
RC=0; CPC_PASSPHRASE=s3cret "$CLI" --home "$H" keys export vault </dev/null >"$TMP/out" 2>"$TMP/err" || RC=$?
OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
expect "export with the right passphrase" 0 "" "SECRET key"
VAULT_SK="$OUT"
[[ "$VAULT_SK" =~ ^[0-9a-f]{64}$ ]] && ok "export prints 64 hex" || bad "export: $VAULT_SK"

# ---- export / import ----
run --home "$H" keys export worker
expect "export plain key" 0 "" "Warning:"
SK="$OUT"
[[ "$SK" =~ ^[0-9a-f]{64}$ ]] && ok "export worker prints 64 hex" || bad "export: $SK"
run --home "$H" keys import w2 "$SK"
expect "import from argument" 0 "address: $WORKER_ADDR" "key stored unencrypted"
RC=0; printf '%s\n' "$SK" | "$CLI" --home "$H" keys import w3 - >"$TMP/out" 2>"$TMP/err" || RC=$?
OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
expect "import from stdin with -" 0 "address: $WORKER_ADDR" ""
RC=0; printf '%s' "$VAULT_SK" | "$CLI" --home "$H" keys import w4 --output json >"$TMP/out" 2>"$TMP/err" || RC=$?
OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
expect "import from piped stdin, json output" 0 '"name": "w4"' ""
VAULT_ADDR=$("$CLI" --home "$H" keys show vault | jq -r .address)
[ "$(printf '%s' "$OUT" | jq -r .address)" = "$VAULT_ADDR" ] && ok "re-imported vault key has the vault address" \
  || bad "import address mismatch"
run --home "$H" keys import w5 xyz
expect "import non-hex" 1 "" "Error: secret key must be 64 hex characters"
run --home "$H" keys import w5 0000000000000000000000000000000000000000000000000000000000000000
expect "import zero key" 1 "" "Error: invalid secret key"

# ---- list ----
run --home "$H" keys list
expect "keys list" 0 "vault  $VAULT_ADDR [encrypted]" ""
[ "$(printf '%s\n' "$OUT" | wc -l)" = 5 ] && ok "keys list: 5 lines" || bad "list: $OUT"
[ "$(printf '%s\n' "$OUT" | head -1 | awk '{print $1}')" = vault ] && ok "keys list sorted (vault < w2 < ...)" \
  || bad "order: $OUT"
run --output json keys list --home "$H"
expect "keys list json" 0 "" ""
[ "$(printf '%s' "$OUT" | jq 'length')" = 5 ] && [ "$(printf '%s' "$OUT" | jq -r '.[1].name')" = w2 ] \
  && ok "keys list json is an array of 5" || bad "json list: $OUT"

# ---- delete ----
run --home "$H" keys delete w2
expect "delete without --yes and no TTY" 1 "" "pass --yes"
[ -e "$H/keyring/w2.json" ] && ok "key kept" || bad "w2 deleted without confirmation"
run --home "$H" keys delete w2 --yes
expect "delete --yes" 0 "deleted key w2" ""
run --home "$H" keys show w2
expect "deleted key is gone" 1 "" "Error: key w2 not found"
run --home "$H" keys delete w2 -y
expect "delete twice" 1 "" "Error: key w2 not found"

# ---- a node that is down ----
run --home "$H" query balance "$WORKER_ADDR" --node "$DEAD"
expect "query balance, node down" 1 "" "Connection refused"
[[ "$ERR" == *"$DEAD"* ]] && ok "the error names the URL" || bad "no URL in: $ERR"
[[ "$ERR" == Error:* ]] && ok "error starts with 'Error:'" || bad "prefix: $ERR"
run --home "$H" query balance worker --node "$DEAD"
expect "query balance by key name, node down" 1 "" "Connection refused"
RC=0; CPC_NODE="$DEAD" "$CLI" --home "$H" status </dev/null >"$TMP/out" 2>"$TMP/err" || RC=$?
OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
expect "status uses CPC_NODE" 1 "" "$DEAD"
run --home "$H" query balance nobody --node "$DEAD"
expect "unknown address or key" 1 "" "neither a valid cpc1 address nor a key"
run --home "$H" query tx abc --node "$DEAD"
expect "query tx with a bad hash (no network)" 1 "" "invalid tx hash"
run --home "$H" query block x1 --node "$DEAD"
expect "query block with a bad height (no network)" 1 "" "invalid block height"
run --home "$H" tx send "$WORKER_ADDR" 1.5 --from worker --node "$DEAD"
expect "tx send, node down" 1 "" "Connection refused"
run --home "$H" tx send "$WORKER_ADDR" 1.1234567891 --from worker --node "$DEAD"
expect "tx send, bad amount (no network)" 1 "" "invalid amount"
run --home "$H" tx stake 5 --from nobody --node "$DEAD"
expect "tx stake, unknown key" 1 "" "Error: key nobody not found"

# ---- submit-result: local validation before any network call ----
TASK=550e8400-e29b-41d4-a716-446655440000
run --home "$H" tx submit-result --task-id not-a-uuid --result-hash abcd --from worker --node "$DEAD"
expect "submit-result, bad UUID" 1 "" "Invalid ComputeResult"
[[ "$ERR" != *"Connection refused"* ]] && ok "bad UUID: node not contacted" || bad "contacted node: $ERR"
run --home "$H" tx submit-result --task-id $TASK --result-hash xyz --from worker --node "$DEAD"
expect "submit-result, non-hex hash" 1 "" "Invalid ComputeResult"
run --home "$H" tx submit-result --task-id $TASK --result-hash abcd --from worker \
  --worker-address "$VAULT_ADDR" --node "$DEAD"
expect "submit-result, foreign worker address" 1 "" "Invalid ComputeResult"
[[ "$ERR" != *"Connection refused"* ]] && ok "foreign worker: node not contacted" || bad "contacted node: $ERR"
run --home "$H" tx submit-result --task-id $TASK --result-hash 0xabcd --from worker \
  --worker-address "$WORKER_ADDR" --node "$DEAD"
expect "submit-result, valid input reaches the network" 1 "" "Connection refused"

# ---- TTY prompts (only where util-linux `script` is available) ----
if command -v script >/dev/null 2>&1; then
  RC=0
  printf 'pw1\npw1\n' | script -qec "\"$CLI\" --home \"$H\" keys add ttykey --encrypt" /dev/null \
    >"$TMP/out" 2>&1 || RC=$?
  [ "$RC" = 0 ] && grep -q '"encrypted": true' "$H/keyring/ttykey.json" 2>/dev/null \
    && ok "--encrypt asks twice on a TTY" || bad "tty add: rc=$RC $(cat "$TMP/out")"
  RC=0
  printf 'y\n' | script -qec "\"$CLI\" --home \"$H\" keys delete w3" /dev/null >"$TMP/out" 2>&1 || RC=$?
  [ "$RC" = 0 ] && [ ! -e "$H/keyring/w3.json" ] && grep -q "Delete key w3 (cpc1" "$TMP/out" \
    && ok "delete asks on a TTY" || bad "tty delete: rc=$RC $(cat "$TMP/out")"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
