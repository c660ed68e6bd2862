#!/usr/bin/env bash
# test_cuda_compile.sh — the CUDA sources compile with nvcc even on a machine
# without a GPU: src/worker/cuda/matmul.cu and bench/cuda/bench_cuda_matmul.cu
# (both its core-linked and its standalone variant), object files only (-c),
# one architecture (sm_90) at -O1 to stay fast. No nvcc: prints
# "skipped: nvcc not found" and passes.
set -euo pipefail

SRC="${CPC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
NVCC="${NVCC:-}"
if [ -z "$NVCC" ]; then
  if command -v nvcc >/dev/null 2>&1; then NVCC=$(command -v nvcc)
  elif [ -x /usr/local/cuda/bin/nvcc ]; then NVCC=/usr/local/cuda/bin/nvcc
  fi
fi
if [ -z "$NVCC" ] || [ ! -x "$NVCC" ]; then
  echo "skipped: nvcc not found"
  echo "0 passed, 0 failed"
  exit 0
fi

TMP=$(mktemp -d /tmp/cpc-cuda-compile.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0 failed=0
compile() { # compile NAME FILE [extra flags...]
  local name="$1" file="$2"; shift 2
  if "$NVCC" -c -O1 -std=c++17 -arch=sm_90 -I"$SRC/src" -Xcompiler=-Wall,-Wextra --Werror all-warnings \
       "$@" "$file" -o "$TMP/$name.o" > "$TMP/$name.log" 2>&1; then
    pass=$((pass + 1)); echo "ok   - nvcc compiles $name"
  else
    failed=$((failed + 1)); echo "FAIL - nvcc compiles $name"; sed 's/^/    /' "$TMP/$name.log"
  fi
}
echo "using $("$NVCC" --version | tail -1)"
compile matmul "$SRC/src/worker/cuda/matmul.cu"
compile bench_cuda_matmul "$SRC/bench/cuda/bench_cuda_matmul.cu"
compile bench_cuda_matmul_standalone "$SRC/bench/cuda/bench_cuda_matmul.cu" -DCPC_BENCH_STANDALONE
echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
