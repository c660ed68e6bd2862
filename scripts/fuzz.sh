#!/usr/bin/env bash
# Run every libFuzzer target in BIN_DIR for SECONDS each, starting from a
# scratch copy of its committed seed corpus (fuzz/corpus/NAME). Crashes are
# written to fuzz/artifacts/ and make the script fail.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN_DIR="${1:-build-fuzz/bin}"
SECONDS_EACH="${2:-60}"
mkdir -p fuzz/artifacts
failed=0; ran=0
for bin in "$BIN_DIR"/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin"); corpus=${name#fuzz_}
  work=$(mktemp -d)
  [ -d "fuzz/corpus/$corpus" ] && cp -r "fuzz/corpus/$corpus/." "$work/" 2>/dev/null
  echo "fuzz: $name for ${SECONDS_EACH}s"
  if "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="fuzz/artifacts/$name-" -print_final_stats=1 "$work" \
       >"fuzz/artifacts/$name.log" 2>&1; then
    echo "fuzz: $name: ok ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "fuzz/artifacts/$name.log" | awk '{print $2}') runs)"
  else
    echo "fuzz: $name: FINDING, see fuzz/artifacts/$name.log"; failed=$((failed+1))
  fi
  ran=$((ran+1)); rm -rf "$work"
done
echo "fuzz: $ran targets, $failed with findings"
[ "$ran" -gt 0 ] && [ "$failed" -eq 0 ]
