#!/bin/bash
# bench/cuda/run.sh — build and run the CUDA int8 matmul benchmark on a GPU machine:
#   bench/cuda/run.sh [n]        (n defaults to 8192; CUDA_ARCH defaults to native)
# Builds src/worker/cuda/{matmul,matmul_mma,transpose,matmul_cublaslt}.cu + bench/cuda/bench_cuda_matmul.cu with nvcc
# for CUDA_ARCH, and src/worker/cuda/matmul_wgmma.cu for sm_90a only (its
# kernel runs on sm_90 alone; -gencode, not -arch=sm_90a), linked with
# -lcublasLt -lcublas into ${OUT_DIR:-build-cuda-bench}; core's reference (kind_matmul.c
# and its hash/merkle/err deps, needs libcrypto) is linked when it builds, or
# from CPC_CORE_OBJS + CPC_CORE_CRYPTO (objects and libcrypto.so.3 made
# elsewhere: scripts/gpu_pack.sh), else the bench checks rows against its own
# recomputation (standalone).
# Prints each kernel's time and TOPS (cublaslt, wgmma, mma, wmma) against cuBLAS.
# Last line: cuda_matmul: n=N tops=X cublas_int8_tops=Y ratio=Z kernel=K
# (K: the executor's choice, cublaslt where it ran and matched cuBLAS)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
ARCH=${CUDA_ARCH:-native}
OUT=${OUT_DIR:-$ROOT/build-cuda-bench}
mkdir -p "$OUT"
[ -x "$NVCC" ] || { echo "nvcc not found (set NVCC)" >&2; exit 1; }
CORE_OBJS=()
DEFS=()
if [ -n "${CPC_CORE_OBJS:-}" ] && [ -f "${CPC_CORE_CRYPTO:-}" ]; then
  # compiled elsewhere (scripts/gpu_pack.sh), for machines without OpenSSL's headers
  CORE_OBJS=("$CPC_CORE_OBJS/kind_matmul.o" "$CPC_CORE_OBJS/kind_seed.o" "$CPC_CORE_OBJS/hash.o" "$CPC_CORE_OBJS/merkle.o"
             "$CPC_CORE_OBJS/err.o" "-Xlinker=$CPC_CORE_CRYPTO" "-Xlinker=-rpath=$(dirname "$CPC_CORE_CRYPTO")")
elif gcc -O2 -std=c17 -D_GNU_SOURCE -c "$ROOT/src/core/kind_matmul.c" -o "$OUT/kind_matmul.o" 2>/dev/null &&
   gcc -O2 -std=c17 -D_GNU_SOURCE -c "$ROOT/src/core/kind_seed.c" -o "$OUT/kind_seed.o" 2>/dev/null &&
   gcc -O2 -std=c17 -D_GNU_SOURCE -c "$ROOT/src/core/hash.c" -o "$OUT/hash.o" 2>/dev/null &&
   gcc -O2 -std=c17 -D_GNU_SOURCE -c "$ROOT/src/core/merkle.c" -o "$OUT/merkle.o" 2>/dev/null &&
   gcc -O2 -std=c17 -D_GNU_SOURCE -c "$ROOT/src/core/err.c" -o "$OUT/err.o" 2>/dev/null &&
   echo 'int main(void){return 0;}' > "$OUT/t.c" && gcc "$OUT/t.c" -lcrypto -o "$OUT/t" 2>/dev/null; then
  CORE_OBJS=("$OUT/kind_matmul.o" "$OUT/kind_seed.o" "$OUT/hash.o" "$OUT/merkle.o" "$OUT/err.o" -lcrypto)
else
  echo "note: core reference not buildable here (libcrypto?); standalone row check" >&2
  DEFS=(-DCPC_BENCH_STANDALONE)
fi
"$NVCC" -c -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a -Xptxas -v -I"$ROOT/src" \
  "$ROOT/src/worker/cuda/matmul_wgmma.cu" -o "$OUT/matmul_wgmma.o" 2>"$OUT/ptxas_wgmma.txt" ||
  { cat "$OUT/ptxas_wgmma.txt" >&2; exit 1; }
grep -A2 "mm_wgmma_kernel" "$OUT/ptxas_wgmma.txt" | grep -E "registers|spill" | sed 's/^ *//; s/^ptxas info *: //; s/^/ptxas wgmma: /'
"$NVCC" -O3 -std=c++17 -arch="$ARCH" ${DEFS[@]+"${DEFS[@]}"} -I"$ROOT/src" \
  "$ROOT/src/worker/cuda/matmul.cu" "$ROOT/src/worker/cuda/matmul_mma.cu" "$ROOT/src/worker/cuda/transpose.cu" \
  "$ROOT/src/worker/cuda/matmul_cublaslt.cu" -DCPC_HAVE_CUBLASLT \
  "$ROOT/bench/cuda/bench_cuda_matmul.cu" "$OUT/matmul_wgmma.o" \
  ${CORE_OBJS[@]+"${CORE_OBJS[@]}"} -lcublasLt -lcublas -o "$OUT/bench_cuda_matmul"
exec "$OUT/bench_cuda_matmul" "$@"
