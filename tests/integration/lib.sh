# lib.sh — helpers for integration tests: a real cpcd on 127.0.0.1, a temp
# home, assertions and the closing "N passed, M failed" line.
# Source it, then call finish at the end. Everything started is stopped on exit.
set -uo pipefail

CPC_BIN="${CPC_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/bin}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
T_PASS=0
T_FAIL=0
T_DIR=$(mktemp -d /tmp/cpc-it.XXXXXX)
NODE_PID=""
NODE_LOG="$T_DIR/cpcd.log"

t_cleanup() {
  if [ -n "$NODE_PID" ]; then kill "$NODE_PID" 2>/dev/null; wait "$NODE_PID" 2>/dev/null; fi
  jobs -p | xargs -r kill 2>/dev/null
  if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $T_DIR"; else rm -rf "$T_DIR"; fi
}
trap t_cleanup EXIT

ok()   { T_PASS=$((T_PASS + 1)); echo "ok   - $*"; }
fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL - $*"; }
check() { # check DESCRIPTION COMMAND...
  local d="$1"; shift
  if "$@"; then ok "$d"; else fail "$d"; fi
}
expect_eq() { # expect_eq DESCRIPTION EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi
}
expect_contains() { # expect_contains DESCRIPTION NEEDLE HAYSTACK
  case "$3" in *"$2"*) ok "$1" ;; *) fail "$1: '$2' not in: $3" ;; esac
}
finish() {
  echo "$T_PASS passed, $T_FAIL failed"
  [ "$T_FAIL" -eq 0 ]
  exit $?
}

free_port() { # a port nothing listens on, below the kernel's ephemeral range
  # (outgoing connections and port-0 binds take ports from that range, so a port
  # picked there could be taken between this check and cpcd's bind)
  local p lo hi=32767
  read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
  [ "$lo" -gt 12000 ] && hi=$((lo - 1))
  for _ in $(seq 1 50); do
    p=$(shuf -i 10000-"$hi" -n 1)
    if ! (exec 3<>/dev/tcp/127.0.0.1/"$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

# start_node HOME PORT [extra cpcd flags...]: starts cpcd and waits for /status.
start_node() {
  local home="$1" port="$2"; shift 2
  "$CPC_BIN/cpcd" --home "$home" --listen "127.0.0.1:$port" "$@" >>"$NODE_LOG" 2>&1 &
  NODE_PID=$!
  wait_node "$port"
}

wait_node() {
  local port="$1"
  for _ in $(seq 1 200); do
    if curl -fsS "http://127.0.0.1:$port/status" >/dev/null 2>&1; then return 0; fi
    if [ -n "$NODE_PID" ] && ! kill -0 "$NODE_PID" 2>/dev/null; then
      echo "cpcd exited; log:"; tail -20 "$NODE_LOG"; return 1
    fi
    sleep 0.1
  done
  echo "cpcd did not answer on port $port; log:"; tail -20 "$NODE_LOG"; return 1
}

stop_node() { # graceful
  if [ -n "$NODE_PID" ]; then kill -TERM "$NODE_PID" 2>/dev/null; wait "$NODE_PID" 2>/dev/null; NODE_PID=""; fi
}

kill_node() { # SIGKILL, as a crash
  if [ -n "$NODE_PID" ]; then kill -KILL "$NODE_PID" 2>/dev/null; wait "$NODE_PID" 2>/dev/null; NODE_PID=""; fi
}

# wait_height PORT H: until the node reports height >= H (10 s max).
wait_height() {
  local port="$1" want="$2" h
  for _ in $(seq 1 100); do
    h=$(curl -fsS "http://127.0.0.1:$port/status" 2>/dev/null | jq -r .height)
    [ -n "$h" ] && [ "$h" != null ] && [ "$h" -ge "$want" ] && return 0
    sleep 0.1
  done
  return 1
}
