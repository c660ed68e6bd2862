#!/usr/bin/env bash
# The benchmarks still run end to end (a smoke test, not a timing test: no
# figure is compared with anything). bench_market at a tiny size against a real
# cpcd on 127.0.0.1: its last three lines keep their exact format, every task
# settles and none is rejected; bench_state_root's roots agree with the
# rebuild (it checks that itself and exits non-zero otherwise); bench_worker's
# last four lines keep their exact format (matmul last: the executor vs oneDNN
# called directly, 0 where oneDNN is absent).
source "$(dirname "$0")/lib.sh"

# last_lines_match OUTPUT NAME:REGEX...: the output's last lines, in order, each match
last_lines_match() {
  local out="$1"; shift
  local n=$# i=1 spec
  printf '%s\n' "$out" | tail -"$n"
  for spec in "$@"; do
    printf '%s\n' "$out" | tail -"$n" | sed -n "${i}p" | grep -Eq "${spec#*:}"
    check "${spec%%:*} line format" test $? -eq 0
    i=$((i + 1))
  done
}

out=$("$CPC_BIN/bench_market" --jobs 2 --tasks 40 --workers 4 --rounds 1 --matmul-n 64 2>&1)
rc=$?
check "bench_market exits 0 (rc=$rc)" test $rc -eq 0
last_lines_match "$out" \
  'market:^market: tasks_per_s=[0-9]+ vs_slurm_500=[0-9]+\.[0-9]{2} vs_boinc_102=[0-9]+\.[0-9]{2}$' \
  'verify:^verify: matmul_n=64 verify_cost_ratio=[0-9.]+$' \
  'detect:^detect: lazy=[0-9.]+ partial_1_8=[0-9.]+ bound_partial_1_8=[0-9.]+$'
expect_contains "every task settled, none rejected" "80 results accepted, 0 rejected" "$out"

out=$("$CPC_BIN/bench_state_root" --accounts 2000 --objects 2000 --changed 100 --blocks 3 2>&1)
rc=$?
check "bench_state_root exits 0 with equal roots (rc=$rc)" test $rc -eq 0
expect_contains "state_root line" "state_root: accounts=2000 objects=2000 changed=200" "$out"
out=$("$CPC_BIN/bench_worker" --n 64 --seconds 0.3 2>&1)
rc=$?
check "bench_worker exits 0 (rc=$rc)" test $rc -eq 0
last_lines_match "$out" \
  'hashpow:^hashpow: mhs_per_core=[0-9.]+ openssl_mhs_per_core=[0-9.]+ ratio=[0-9.]+$' \
  'vanity:^vanity: keys_per_s=[0-9]+$' \
  'matmul_openblas:^matmul_openblas: n=64 int8_gops=[0-9.]+ openblas_sgemm_gflops=[0-9.]+ ratio=[0-9.]+$' \
  'matmul:^matmul: n=64 int8_gops=[0-9.]+ onednn_int8_gops=[0-9.]+ ratio=[0-9.]+$'
expect_contains "hashpow_40B line before them" "hashpow_40B: openssl_mhs_per_core=" "$out"
expect_contains "matmul_own line before them" "matmul_own: n=64 int8_gops=" "$out"
finish
