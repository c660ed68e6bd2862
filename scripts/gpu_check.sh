#!/usr/bin/env bash
# scripts/gpu_check.sh — the GPU checks of the worker, in one bounded run for a
# GPU machine (a device session has minutes, not hours). Prepare here with
# scripts/gpu_pack.sh (after `make build` with nvcc present), then
#   run(command="bash scripts/gpu_check.sh 8192", carry=["gpu-carry"])
# Steps:
#   1. what the machine has (nvidia-smi, nvcc);
#   2. `cpc-worker devices`: NVML's view of the GPU and the matmul kernel the
#      worker chooses after its self-check (or which kernel failed, and how);
#   3. test_worker_matmul (test_cuda_matches_reference): every CUDA kernel the
#      GPU can run (simt, wmma, wgmma on sm_90) against core's reference, byte
#      for byte, on random seeds, shapes that are not tile multiples and
#      extreme values, then a whole task through the executor;
#   4. bench/cuda/run.sh N (default 8192): the kernels against cuBLAS int8 on
#      the same inputs, every element compared with cuBLAS and rows with core's
#      reference. Last line: cuda_matmul: n=N tops=X cublas_int8_tops=Y ratio=Z
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

echo "== CUDA executors vs core reference"
run_carried test_worker_matmul 300 >"$LOGS/gpu_check_unit.log" 2>&1
rc=$?
grep -E "cuda|skipped|SKIPPED|PASSED|FAILED|not present" "$LOGS/gpu_check_unit.log"
[ $rc -eq 0 ] || { status=1; tail -20 "$LOGS/gpu_check_unit.log"; }
grep -q "skipped: no CUDA device" "$LOGS/gpu_check_unit.log" &&
  echo "note: the test sees no CUDA device (a build without nvcc, or no driver)"

echo "== kernels vs cuBLAS (n=$N)"
if [ -d "$CARRY/obj" ]; then export CPC_CORE_OBJS="$CARRY/obj" CPC_CORE_CRYPTO="$CARRY/lib/libcrypto.so.3"; fi
if timeout 420 bash "$ROOT/bench/cuda/run.sh" "$N" 2>&1 | tee "$LOGS/gpu_bench.log"; then :; else status=1; fi
exit $status
