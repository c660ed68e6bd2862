#!/usr/bin/env bash
# Every failure cpc-cli reports to a user, against a real node: each
# must exit non-zero with its message. Crafted transactions (bad or high-S
# signature, foreign pubkey) are made from a `--dry-run` tx and sent with
# `tx broadcast`, as an offline-signing user would.
source "$(dirname "$0")/lib.sh"

PORT=$(free_port)
NODE="http://127.0.0.1:$PORT"
export CPC_HOME="$T_DIR/home"
export CPC_NODE="$NODE"
CLI="$CPC_BIN/cpc-cli"
start_node "$CPC_HOME" "$PORT" --block-time 200 || { fail "node start"; finish; }
"$CLI" keys add poor >/dev/null 2>&1
"$CLI" keys add rich >/dev/null 2>&1
POOR=$("$CLI" keys show poor | jq -r .address)
RICH=$("$CLI" keys show rich | jq -r .address)
"$CLI" tx send "$RICH" 10 --from faucet --wait >/dev/null 2>&1 || fail "funding"

run() { OUT=$("$@" 2>&1); RC=$?; }

run "$CLI" tx send "$RICH" 1 --from poor
check "insufficient balance exits non-zero" test $RC -ne 0
expect_contains "insufficient balance message" "Insufficient balance" "$OUT"

run "$CLI" tx send "$POOR" 11 --from rich
expect_contains "amount + fee above balance is refused" "Insufficient balance" "$OUT"

for bad in "--task-id not-a-uuid --result-hash 0xabcd" \
           "--task-id 550e8400-e29b-41d4-a716-446655440000 --result-hash 0xnothex" \
           "--task-id 550e8400-e29b-41d4-a716-446655440000 --result-hash 0x1234567890abcdef... " \
           "--task-id 550e8400-e29b-41d4-a716-446655440000 --result-hash 0xabcd --worker-address $POOR"; do
  run "$CLI" tx submit-result $bad --from rich
  check "submit-result [$bad] exits non-zero" test $RC -ne 0
  expect_contains "submit-result [$bad] says Invalid ComputeResult" "Invalid ComputeResult" "$OUT"
done

DEAD="http://127.0.0.1:$(free_port)"
run "$CLI" query balance "$RICH" --node "$DEAD"
check "node down exits non-zero" test $RC -ne 0
expect_contains "node down says Connection refused" "Connection refused" "$OUT"
expect_contains "node down names the URL" "$DEAD" "$OUT"
run "$CLI" tx send "$POOR" 1 --from rich --node "$DEAD"
expect_contains "tx against a dead node says Connection refused" "Connection refused" "$OUT"

# replayed nonce: rich has used nonce 0? it has not sent yet: send once, then reuse nonce 0
"$CLI" tx send "$POOR" 1 --from rich --wait >/dev/null 2>&1 || fail "first send"
run "$CLI" tx send "$POOR" 1 --from rich --nonce 0
check "replayed nonce exits non-zero" test $RC -ne 0
expect_contains "replayed nonce is named" "already used" "$OUT"

run "$CLI" tx send "$POOR" 1 --from rich --chain-id some-other-chain
check "wrong chain id exits non-zero" test $RC -ne 0
expect_contains "wrong chain id is named" "Wrong chain id" "$OUT"

# Crafted transactions from a signed dry run.
"$CLI" tx send "$POOR" 1 --from rich --dry-run >"$T_DIR/tx.json" 2>/dev/null
check "--dry-run prints a signed tx" bash -c "jq -e '.signature | test(\"^[0-9a-f]{128}$\")' '$T_DIR/tx.json' >/dev/null"

jq --arg a "$POOR" 'del(.hash) | .from = $a' "$T_DIR/tx.json" >"$T_DIR/mismatch.json"
run "$CLI" tx broadcast "$T_DIR/mismatch.json"
check "pubkey != from exits non-zero" test $RC -ne 0
expect_contains "pubkey mismatch is named" "Public key does not match" "$OUT"

sig=$(jq -r .signature "$T_DIR/tx.json")
flipped=$(echo "$sig" | sed 's/^\(.\{10\}\)\(.\)/\1X/' | sed "s/X/$( [ "${sig:10:1}" = 0 ] && echo 1 || echo 0)/")
jq --arg s "$flipped" 'del(.hash) | .signature = $s' "$T_DIR/tx.json" >"$T_DIR/badsig.json"
run "$CLI" tx broadcast "$T_DIR/badsig.json"
check "bad signature exits non-zero" test $RC -ne 0
expect_contains "bad signature is named" "Invalid signature" "$OUT"

N=FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
s=${sig:64:64}
hs=$(python3 -c "print(format(int('$N',16)-int('$s',16),'064x'))")
jq --arg s "${sig:0:64}$hs" 'del(.hash) | .signature = $s' "$T_DIR/tx.json" >"$T_DIR/highs.json"
run "$CLI" tx broadcast "$T_DIR/highs.json"
check "high-S signature exits non-zero" test $RC -ne 0
expect_contains "high-S is named" "low-S" "$OUT"

run "$CLI" tx broadcast "$T_DIR/tx.json"
check "the untouched dry-run tx broadcasts fine ($OUT)" test $RC -eq 0
finish
