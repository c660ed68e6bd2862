#!/usr/bin/env bash
# scripts/gpu_pack.sh — put what scripts/gpu_check.sh runs on a GPU machine
# into gpu-carry/ (git-ignored), for the device tool's `carry`:
#   gpu-carry/bin/  test_worker_matmul and cpc-worker from a CUDA build here
#                   (build/, made by `make build` with nvcc present);
#   gpu-carry/lib/  every shared library they load except glibc's own, since
#                   the GPU machine's image may lack them (libcmocka, libjansson,
#                   libsecp256k1, ...); gpu_check.sh uses them only when the
#                   machine's own are missing;
#   gpu-carry/obj/  core's matmul reference (kind_matmul.c and its deps) compiled
#                   here, so bench/cuda/run.sh there links it without OpenSSL's
#                   headers (against gpu-carry/lib/libcrypto.so.3).
# Then: run(command="bash scripts/gpu_check.sh 8192", carry=["gpu-carry"]).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/gpu-carry"
rm -rf "$OUT"
mkdir -p "$OUT/bin" "$OUT/lib" "$OUT/obj"
for b in test_worker_matmul cpc-worker; do
  [ -x "$ROOT/build/bin/$b" ] || { echo "gpu_pack: build/bin/$b missing: run make build" >&2; exit 1; }
  cp "$ROOT/build/bin/$b" "$OUT/bin/"
done
nm -C "$OUT/bin/test_worker_matmul" | grep -c mm_wgmma_kernel >/dev/null ||
  { echo "gpu_pack: build/ is not a CUDA build (nvcc not found at configure time?)" >&2; exit 1; }
ldd "$OUT/bin/test_worker_matmul" "$OUT/bin/cpc-worker" | awk '$3 ~ /^\// {print $3}' | sort -u |
  grep -Ev '/(libc|libm|libpthread|libdl|librt|libresolv|libutil|libnss_[a-z]*|ld-linux-x86-64)\.so' |
  while read -r lib; do cp -L "$lib" "$OUT/lib/"; done
for f in kind_matmul kind_seed hash merkle err; do
  gcc -O2 -std=c17 -D_GNU_SOURCE -c "$ROOT/src/core/$f.c" -o "$OUT/obj/$f.o"
done
echo "gpu_pack: $(ls "$OUT/lib" | wc -l) libraries, $(du -sh "$OUT" | cut -f1) in gpu-carry/"
