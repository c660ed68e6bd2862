#!/usr/bin/env bash
# test_worker_nvml.sh — the worker's GPU detection through a FAKE NVML.
# tests/fixtures/fake_nvml.c is a mock libnvidia-ml.so.1 (2 x NVIDIA H200),
# acceptable only because the CI machines have no NVIDIA GPU. It is compiled
# here with `cc -shared -fPIC`, then used through CPC_NVML_LIB by
#   1. the unit test binary test_worker_devices (CPC_TEST_FAKE_NVML), and
#   2. `cpc-worker devices --json`, when this cpc-worker has that command.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CPC_SRC="${CPC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

FAKE="$T_DIR/libfake_nvml.so"
if ! cc -shared -fPIC -o "$FAKE" "$CPC_SRC/tests/fixtures/fake_nvml.c"; then
  fail "compile tests/fixtures/fake_nvml.c"
  finish
fi
ok "fake NVML built"

# 1. the unit test against the fake library
if [ -x "$CPC_BIN/test_worker_devices" ]; then
  if out=$(CPC_TEST_FAKE_NVML="$FAKE" "$CPC_BIN/test_worker_devices" 2>&1); then
    ok "test_worker_devices with the fake NVML"
  else
    fail "test_worker_devices with the fake NVML: $out"
  fi
  # and without it: no GPUs, a status, still success
  if out=$(env -u CPC_TEST_FAKE_NVML -u CPC_NVML_LIB "$CPC_BIN/test_worker_devices" 2>&1); then
    ok "test_worker_devices without NVML"
  else
    fail "test_worker_devices without NVML: $out"
  fi
else
  fail "$CPC_BIN/test_worker_devices not built"
fi

# 2. the real binary, when it has the devices command
if "$CPC_BIN/cpc-worker" devices --help >/dev/null 2>&1; then
  json=$(CPC_NVML_LIB="$FAKE" "$CPC_BIN/cpc-worker" devices --json 2>"$T_DIR/devices.err")
  rc=$?
  expect_eq "cpc-worker devices --json exits 0" 0 "$rc"
  expect_eq "2 GPUs" 2 "$(jq '.gpus | length' <<<"$json")"
  expect_eq "GPU name" "NVIDIA H200" "$(jq -r '.gpus[0].name' <<<"$json")"
  expect_eq "VRAM MB" 143771 "$(jq '.gpus[1].vram_mb' <<<"$json")"
  expect_eq "compute capability" "9.0" "$(jq -r '.gpus[0].compute_capability' <<<"$json")"
  expect_eq "SM count" 132 "$(jq '.gpus[0].sm_count' <<<"$json")"
  expect_eq "CUDA cores" 16896 "$(jq '.gpus[0].cuda_cores' <<<"$json")"
  expect_eq "driver" "570.124.06" "$(jq -r '.gpus[0].driver' <<<"$json")"
  # each GPU's load now, as the heartbeat's `gpus` entries carry it (NVML per device)
  expect_eq "GPU 1 load" 73 "$(jq '.gpus[1].load' <<<"$json")"
  expect_eq "GPU 1 temp_c" 41 "$(jq '.gpus[1].temp_c' <<<"$json")"
  expect_eq "GPU 0 mem_used_mb" 512 "$(jq '.gpus[0].mem_used_mb' <<<"$json")"
  check "CPU cores >= 1" test "$(jq '.cpu.logical_cores' <<<"$json")" -ge 1
  json=$(env -u CPC_NVML_LIB "$CPC_BIN/cpc-worker" devices --json 2>>"$T_DIR/devices.err")
  rc=$?
  expect_eq "without NVML: exits 0" 0 "$rc"
  if [ -e /dev/nvidiactl ]; then
    echo "skip - this machine has an NVIDIA driver: not checking the no-GPU answer"
  else
    expect_eq "without NVML: no GPUs" 0 "$(jq '.gpus | length' <<<"$json")"
    expect_contains "without NVML: status says why" "not found" "$(jq -r '.gpu_status' <<<"$json")"
  fi
  table=$(CPC_NVML_LIB="$FAKE" "$CPC_BIN/cpc-worker" devices 2>>"$T_DIR/devices.err")
  expect_contains "table lists the fake GPU" "NVIDIA H200" "$table"
  expect_contains "table gives GPU 1's load" "GPU 1 load: 73%, 41 C, 512 MiB used" "$table"
else
  echo "skip - '$CPC_BIN/cpc-worker devices --help' does not exit 0: this cpc-worker has no devices command yet"
fi

finish
