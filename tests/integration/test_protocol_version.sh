#!/usr/bin/env bash
# Protocol version: a home whose genesis.json is of an older protocol (no
# params.protocol = 1, the rules before gas grew with a tx's payload) cannot
# be replayed under this build's rules. cpcd and `cpcd replay` refuse it at
# once with a message that says what to do (a fresh devnet home, or an older
# build) instead of failing inside block validation; a fresh home is written
# with this build's protocol and max_block_gas and runs.
source "$(dirname "$0")/lib.sh"

HOME_DIR="$T_DIR/home"
"$CPC_BIN/cpcd" init --home "$HOME_DIR" >/dev/null 2>&1 || fail "cpcd init"
G="$HOME_DIR/genesis.json"
expect_eq "a fresh genesis names protocol 3" "3" "$(jq -r .params.protocol "$G")"
check "a fresh genesis names max_block_gas" test "$(jq -r .params.max_block_gas "$G")" -gt 0

# the same home as an older cpcd wrote it: no protocol, no max_block_gas (the
# file is edited as text: jq would turn the large balances into floats)
cp "$G" "$T_DIR/genesis.v3"
sed -i '/"protocol": /d; /"max_block_gas": /d' "$G"
check "the edited genesis has neither key" bash -c "! grep -q 'protocol\|max_block_gas' '$G'"
for cmd in replay start; do
  if [ "$cmd" = start ]; then args=(--listen "127.0.0.1:$(free_port)"); else args=(replay); fi
  out=$(timeout 60 "$CPC_BIN/cpcd" --home "$HOME_DIR" "${args[@]}" 2>&1); rc=$?
  expect_eq "cpcd $cmd on a protocol 1 home exits 1" "1" "$rc"
  expect_contains "cpcd $cmd names the protocols" "is for protocol 1, this build runs protocol 3" "$out"
  expect_contains "cpcd $cmd says what to do" "Start a fresh devnet home" "$out"
done

# a protocol 2 home (job records without their money totals) is refused
sed 's/"protocol": 3,/"protocol": 2,/' "$T_DIR/genesis.v3" >"$G"
check "the edited genesis names protocol 2" grep -q '"protocol": 2,' "$G"
out=$(timeout 60 "$CPC_BIN/cpcd" --home "$HOME_DIR" replay 2>&1); rc=$?
expect_eq "cpcd replay on a protocol 2 home exits 1" "1" "$rc"
expect_contains "the protocols are named" "is for protocol 2, this build runs protocol 3" "$out"

# a newer protocol than this build knows is refused too
sed 's/"protocol": 3,/"protocol": 4,/' "$T_DIR/genesis.v3" >"$G"
out=$(timeout 60 "$CPC_BIN/cpcd" --home "$HOME_DIR" replay 2>&1); rc=$?
expect_eq "cpcd replay on a protocol 4 home exits 1" "1" "$rc"
expect_contains "the newer protocol is named" "protocol" "$out"

# this build's protocol: replay runs
cp "$T_DIR/genesis.v3" "$G"
out=$(timeout 60 "$CPC_BIN/cpcd" --home "$HOME_DIR" replay 2>&1); rc=$?
expect_eq "cpcd replay on a protocol 3 home succeeds ($out)" "0" "$rc"
finish
