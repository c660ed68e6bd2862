#!/usr/bin/env bash
# test_cuda_compile.sh — the CUDA sources compile with nvcc even on a machine
# without a GPU: src/worker/cuda/matmul.cu, matmul_host.cu, transpose.cu,
# matmul_cublaslt.cu (with and without cuBLASLt) and
# bench/cuda/bench_cuda_matmul.cu (both its core-linked and its standalone
# variant) for sm_90 at -O1 to stay fast, object files only (-c); and the
# tensor-core kernels at -O3 as they are built, matmul_mma.cu for sm_80 and
# matmul_wgmma.cu for sm_90a, where ptxas must report no register spills and
# no stack frame for mm_mma_kernel and mm_wgmma_kernel (their 128
# accumulators a thread must stay in registers). No nvcc: prints
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
compile() { # compile NAME FILE [extra flags...] (default: -O1 -arch=sm_90)
  local name="$1" file="$2"; shift 2
  [ $# -gt 0 ] || set -- -O1 -arch=sm_90
  if "$NVCC" -c -std=c++17 -I"$SRC/src" -Xcompiler=-Wall,-Wextra --Werror all-warnings \
       "$@" "$file" -o "$TMP/$name.o" > "$TMP/$name.log" 2>&1; then
    pass=$((pass + 1)); echo "ok   - nvcc compiles $name"
  else
    failed=$((failed + 1)); echo "FAIL - nvcc compiles $name"; sed 's/^/    /' "$TMP/$name.log"
  fi
}
echo "using $("$NVCC" --version | tail -1)"
compile matmul "$SRC/src/worker/cuda/matmul.cu"
compile matmul_host "$SRC/src/worker/cuda/matmul_host.cu"
compile transpose "$SRC/src/worker/cuda/transpose.cu"
compile matmul_cublaslt "$SRC/src/worker/cuda/matmul_cublaslt.cu" -O1 -arch=sm_90 -DCPC_HAVE_CUBLASLT
compile matmul_cublaslt_none "$SRC/src/worker/cuda/matmul_cublaslt.cu"
compile matmul_mma "$SRC/src/worker/cuda/matmul_mma.cu" -O3 -arch=sm_80 -Xptxas -v
report=$(grep -A3 "Compiling entry function '_Z13mm_mma_kernel" "$TMP/matmul_mma.log" || true)
if echo "$report" | grep -q "0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads"; then
  pass=$((pass + 1)); echo "ok   - mm_mma_kernel (sm_80): no spills ($(echo "$report" | grep -o 'Used [0-9]* registers'))"
else
  failed=$((failed + 1)); echo "FAIL - mm_mma_kernel spills or was not compiled:"; echo "$report" | sed 's/^/    /'
fi
compile matmul_wgmma "$SRC/src/worker/cuda/matmul_wgmma.cu" -O3 \
  -gencode=arch=compute_90a,code=sm_90a -Xptxas -v
# the kernel's resource report: the lines after its "Compiling entry function"
report=$(grep -A3 "Compiling entry function '_Z15mm_wgmma_kernel" "$TMP/matmul_wgmma.log" || true)
if echo "$report" | grep -q "0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads"; then
  pass=$((pass + 1)); echo "ok   - mm_wgmma_kernel: no spills ($(echo "$report" | grep -o 'Used [0-9]* registers'))"
else
  failed=$((failed + 1)); echo "FAIL - mm_wgmma_kernel spills or was not compiled:"; echo "$report" | sed 's/^/    /'
fi
compile bench_cuda_matmul "$SRC/bench/cuda/bench_cuda_matmul.cu"
compile bench_cuda_matmul_standalone "$SRC/bench/cuda/bench_cuda_matmul.cu" -DCPC_BENCH_STANDALONE
echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
