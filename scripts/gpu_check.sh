#!/usr/bin/env bash
# scripts/gpu_check.sh — the GPU checks of the worker, in one bounded run for a
# GPU machine (a device session has minutes, not hours):
#   1. what the machine has (nvidia-smi, nvcc);
#   2. the CUDA executor against core's reference, byte for byte:
#      build/bin/test_worker_matmul (test_cuda_matches_reference: random seeds,
#      shapes that are not tile multiples, extreme values, and a whole task on
#      GPU 0). Pass it with the run (a CUDA build made here: `make build`
#      with nvcc present); skipped when absent or when it cannot load;
#   3. bench/cuda/run.sh N (default 8192): our kernel against cuBLAS int8 on
#      the same inputs, every element compared with cuBLAS and rows with
#      core's reference. Last line: cuda_matmul: n=N tops=X cublas_int8_tops=Y ratio=Z
# Exit status: non-zero when a check that ran failed.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-8192}
status=0
echo "== gpu"
nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>&1 ||
  echo "nvidia-smi: not available"
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
"$NVCC" --version 2>/dev/null | tail -1 || echo "nvcc: not found"

echo "== CUDA executor vs core reference"
T="$ROOT/build/bin/test_worker_matmul"
if [ ! -x "$T" ]; then
  echo "skipped: $T not present (carry it from a CUDA build)"
elif missing=$(ldd "$T" 2>/dev/null | grep "not found"); [ -n "$missing" ]; then
  echo "skipped: $T cannot load here:"; echo "$missing"
else
  timeout 300 "$T" >/tmp/gpu_check_unit.log 2>&1
  rc=$?
  grep -E "cuda|skipped|SKIPPED|PASSED|FAILED" /tmp/gpu_check_unit.log
  [ $rc -eq 0 ] || status=1
  grep -q "skipped: no CUDA device" /tmp/gpu_check_unit.log &&
    echo "note: the test sees no CUDA device (a build without nvcc, or no driver)"
fi

echo "== kernel vs cuBLAS (n=$N)"
if timeout 420 bash "$ROOT/bench/cuda/run.sh" "$N"; then :; else status=1; fi
exit $status
