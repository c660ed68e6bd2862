#!/usr/bin/env bash
# scripts/gpu_check.sh — the GPU checks of the worker, in one bounded run for a
# GPU machine (a device session has minutes, not hours). Prepare here with
# scripts/gpu_pack.sh (after `make build` with nvcc present), then
#   run(command="bash scripts/gpu_check.sh 8192", carry=["gpu-carry"])
# Steps:
#   1. what the machine has (nvidia-smi, nvcc);
#   2. `cpc-worker devices`: NVML's view of the GPU and the matmul kernel the
#      worker chooses after its self-check (or which kernel failed, and how);
#   3. test_worker_matmul (test_cuda_matches_reference), once per kernel
#      (CPC_TEST_CUDA_KERNELS; a kernel that faults cannot hide the others):
#      cublaslt (sm_75+, where libcublasLt loads), wgmma (sm_90), mma (sm_80+),
#      wmma, simt against core's reference, byte
#      for byte, on random seeds, shapes that are not tile multiples and
#      extreme values; then "auto": the self-check's choice and a whole task
#      through the executor;
#   4. bench/cuda/run.sh N (default 8192): cuBLAS int8, then wmma, mma, wgmma,
#      cublaslt on the same inputs, every element compared with cuBLAS (rows
#      of cuBLAS with core's reference). Last line:
#      cuda_matmul: n=N tops=X cublas_int8_tops=Y ratio=Z kernel=K
# Carried binaries use gpu-carry/lib only when the machine lacks a library.
# Logs go to $OUT when it is set (the device tool brings them back).
# Exit status: non-zero when a check that ran failed.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-8192}
CARRY="$ROOT/gpu-carry"
LOGS=${OUT:-/tmp}
status=0
echo "== gpu"
nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap,clocks.sm,clocks.max.sm --format=csv,noheader 2>&1 ||
  echo "nvidia-smi: not available"
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
"$NVCC" --version 2>/dev/null | tail -1 || echo "nvcc: not found"

# run_carried NAME SECONDS ARGS...: a carried binary, with gpu-carry/lib when needed
run_carried() {
  local bin="$CARRY/bin/$1" secs="$2"; shift 2
  if [ ! -x "$bin" ]; then
    echo "skipped: $bin not present (run scripts/gpu_pack.sh and carry gpu-carry)"; return 0
  fi
  local env=()
  if ldd "$bin" 2>/dev/null | grep -q "not found"; then
    env=(env "LD_LIBRARY_PATH=$CARRY/lib")
    echo "(using the carried libraries for: $(ldd "$bin" | grep "not found" | awk '{print $1}' | tr '\n' ' '))"
  fi
  timeout "$secs" ${env[@]+"${env[@]}"} "$bin" "$@"
}

echo "== cpc-worker devices"
run_carried cpc-worker 120 devices 2>&1 | tee "$LOGS/gpu_devices.log" || status=1

echo "== CUDA executors vs core reference (one process per kernel)"
for k in cublaslt wgmma mma wmma simt auto; do
  log="$LOGS/gpu_check_unit_$k.log"
  CPC_TEST_CUDA_KERNELS=$k run_carried test_worker_matmul 240 >"$log" 2>&1
  rc=$?
  echo "-- $k (rc=$rc)"
  grep -E "cuda|skipped|FAILED|not present|error" "$log" | grep -v "^\[ *RUN" | head -8
  [ $rc -eq 0 ] || { status=1; tail -6 "$log"; }
  if grep -q "skipped: no CUDA device" "$log"; then
    echo "note: the test sees no CUDA device (a build without nvcc, or no driver)"; break
  fi
done

echo "== kernels vs cuBLAS (n=$N)"
if [ -d "$CARRY/obj" ]; then export CPC_CORE_OBJS="$CARRY/obj" CPC_CORE_CRYPTO="$CARRY/lib/libcrypto.so.3"; fi
if timeout 420 bash "$ROOT/bench/cuda/run.sh" "$N" 2>&1 | tee "$LOGS/gpu_bench.log"; then :; else status=1; fi
exit $status
