#!/usr/bin/env bash
# check_layout.sh — the house rules that the compiler does not check, over src/:
#   1. a room includes headers only from itself and the rooms below it
#      (docs/ARCHITECTURE.md: core < store, common < http < node < platform
#      < market < cpcd; worker and cli sit on core and common, apart);
#   2. no source file is longer than 900 lines;
#   3. no function is longer than 120 lines (from its `{` at column 0 to its
#      `}` at column 0, the house style).
# Usage: check_layout.sh [SRC_DIR]   (default: src next to this script)
#        check_layout.sh --self-test (shows that each rule fails on a bad tree)
# Exit 0 when every rule holds, 1 with one line per breach otherwise.
set -u

MAX_FILE_LINES=900
MAX_FUNC_LINES=120

# The rooms each room may include from (itself included).
allowed_for() {
    case "$1" in
        core) echo "core" ;;
        store) echo "core store" ;;
        common) echo "core common" ;;
        http) echo "core common http" ;;
        node) echo "core store common http node" ;;
        platform) echo "core store common http node platform" ;;
        market) echo "core store common http node platform market" ;;
        cpcd) echo "core store common http node platform market cpcd" ;;
        worker) echo "core common worker" ;;
        cli) echo "core common cli" ;;
        *) echo "" ;;
    esac
}

check_tree() {
    local src="$1" bad=0 room rules=""
    for dir in "$src"/*/; do
        room=$(basename "$dir")
        if [ -z "$(allowed_for "$room")" ]; then
            echo "layout: src/$room is not a room of docs/ARCHITECTURE.md (add it to scripts/check_layout.sh)"
            bad=1
        fi
        rules+="$room=$(allowed_for "$room");"
    done
    local files
    files=$(cd "$src" && find . -type f \( -name '*.c' -o -name '*.h' -o -name '*.cu' \) | sed 's#^\./##' | sort)
    [ -z "$files" ] && return $bad
    # One awk over every file: includes (1), file length (2), function length (3).
    if ! (cd "$src" && awk -v RULES="$rules" -v MAXF="$MAX_FILE_LINES" -v MAXL="$MAX_FUNC_LINES" '
        function norm(path,   n, i, k, parts, out) {
            n = split(path, parts, "/"); k = 0
            for (i = 1; i <= n; i++) {
                if (parts[i] == "." || parts[i] == "") continue
                if (parts[i] == "..") { if (k > 0) k--; else out[++k] = ".."; continue }
                out[++k] = parts[i]
            }
            path = ""
            for (i = 1; i <= k; i++) path = path (i > 1 ? "/" : "") out[i]
            return path
        }
        function end_file() {
            if (FNR_last > MAXF) { printf "layout: src/%s has %d lines (at most %d: split it by purpose)\n", file, FNR_last, MAXF; bad = 1 }
        }
        BEGIN {
            n = split(RULES, r, ";")
            for (i = 1; i <= n; i++) if (r[i] != "") { split(r[i], kv, "="); allow[kv[1]] = " " kv[2] " " }
        }
        FNR == 1 { if (file != "") end_file(); file = FILENAME; split(file, fp, "/"); room = fp[1]
                   fdir = file; sub(/\/[^\/]*$/, "", fdir); start = 0 }
        { FNR_last = FNR }
        /^[ \t]*#[ \t]*include[ \t]*"/ {
            inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*$/, "", inc)
            t = norm(fdir "/" inc); split(t, tp, "/"); target = tp[1]
            if (index(allow[room], " " target " ") == 0) {
                printf "layout: src/%s includes \"%s\": room %s may include only from:%s\n", file, inc, room, allow[room]; bad = 1
            }
        }
        /^\{/ { start = FNR; name = prev }
        /^\}/ { if (start && file ~ /\.(c|cu)$/) { len = FNR - start + 1
                  if (len > MAXL) { printf "layout: src/%s:%d: function of %d lines (at most %d): %s\n", file, start, len, MAXL, name; bad = 1 } }
                start = 0 }
        /^[A-Za-z_]/ { prev = $0 }
        END { if (file != "") end_file(); exit bad }' $files); then
        bad=1
    fi
    return $bad
}

self_test() {
    local t rc=0
    t=$(mktemp -d)
    trap 'rm -rf "$t"' RETURN
    mkdir -p "$t/src/core" "$t/src/node"
    printf '#include "../node/node.h"\n' >"$t/src/core/a.c"
    printf 'int x;\n' >"$t/src/node/node.h"
    if check_tree "$t/src" >/dev/null; then echo "self-test: an upward include passed"; rc=1; fi
    printf '#include "../../src/node/node.h"\n' >"$t/src/core/a.c"
    if check_tree "$t/src" >/dev/null; then echo "self-test: an upward include by a longer path passed"; rc=1; fi
    printf 'int y;\n' >"$t/src/core/a.c"
    if ! check_tree "$t/src" >/dev/null; then echo "self-test: a clean tree failed"; rc=1; fi
    seq 1 901 | sed 's/^/int v/; s/$/;/' >"$t/src/node/big.c"
    if check_tree "$t/src" >/dev/null; then echo "self-test: a 901-line file passed"; rc=1; fi
    rm "$t/src/node/big.c"
    { echo "int f(void)"; echo "{"; seq 1 119 | sed 's/.*/    (void)0;/'; echo "}"; } >"$t/src/node/long.c"
    if check_tree "$t/src" >/dev/null; then echo "self-test: a 121-line function passed"; rc=1; fi
    { echo "int f(void)"; echo "{"; seq 1 118 | sed 's/.*/    (void)0;/'; echo "}"; } >"$t/src/node/long.c"
    if ! check_tree "$t/src" >/dev/null; then echo "self-test: a 120-line function failed"; rc=1; fi
    mkdir -p "$t/src/junk"
    if check_tree "$t/src" >/dev/null; then echo "self-test: an unknown room passed"; rc=1; fi
    [ $rc -eq 0 ] && echo "self-test: every rule fails on a bad tree and passes on a good one"
    return $rc
}

if [ "${1:-}" = "--self-test" ]; then
    self_test
    exit $?
fi
SRC=${1:-"$(cd "$(dirname "$0")/.." && pwd)/src"}
if check_tree "$SRC"; then
    echo "layout: every room includes only from below, files <= $MAX_FILE_LINES lines, functions <= $MAX_FUNC_LINES lines"
    exit 0
fi
exit 1
