#!/usr/bin/env bash
# docs/openapi.yaml against the routing table of a real cpcd: GET / lists every
# route ("METHOD /path"); each must be an operation of the spec and each
# operation of the spec must be a route (both ways, every missing one printed).
# Also the spec's basic structure: openapi 3.0.x, info, every operation has a
# summary, responses and security, path parameters match the path, every
# $ref resolves, security names are defined.
# OPENAPI_YAML=FILE checks another copy of the spec (default: CPC_SRC's).
source "$(dirname "$0")/lib.sh"

CPC_SRC="${CPC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
SPEC="${OPENAPI_YAML:-$CPC_SRC/docs/openapi.yaml}"

if ! /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
  echo "skipped: python3-yaml not installed"
  exit 0
fi
check "spec file exists ($SPEC)" test -s "$SPEC"

PORT=$(free_port)
start_node "$T_DIR/home" "$PORT" || { fail "node start"; finish; }
if ! curl -fsS "http://127.0.0.1:$PORT/" -o "$T_DIR/index.json"; then
  fail "GET / answers"; finish
fi
ok "GET / answers"

# The checker prints "ok<TAB>description" or "FAIL<TAB>description" lines.
/usr/bin/python3 - "$SPEC" "$T_DIR/index.json" >"$T_DIR/results" 2>&1 <<'PY'
import json, re, sys
import yaml

spec_path, index_path = sys.argv[1], sys.argv[2]
out = []
def ok(d): out.append(("ok", d))
def fail(d): out.append(("FAIL", d))
def done():
    for s, d in out:
        print(f"{s}\t{d}")
    sys.exit(0)

try:
    with open(spec_path) as f:
        spec = yaml.safe_load(f)
except Exception as e:  # a YAML syntax error is a failure, not a crash
    fail(f"spec parses as YAML: {e}".replace("\n", " "))
    done()
if not isinstance(spec, dict):
    fail("spec is a YAML mapping")
    done()
ok("spec parses as YAML")

# --- basic structure ---
ver = spec.get("openapi")
if isinstance(ver, str) and re.fullmatch(r"3\.0\.\d+", ver):
    ok(f"openapi version {ver}")
else:
    fail(f"openapi version is 3.0.x, got {ver!r}")
info = spec.get("info")
if isinstance(info, dict) and info.get("title") and info.get("version"):
    ok("info has title and version")
else:
    fail("info has title and version")
paths = spec.get("paths")
if not isinstance(paths, dict) or not paths:
    fail("paths is a non-empty mapping")
    done()

def resolve(ref):
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return None
    node = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node

# every $ref anywhere resolves
bad_refs = []
n_refs = 0
def walk(node, where):
    global n_refs
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                n_refs += 1
                if resolve(v) is None:
                    bad_refs.append(f"{v} (at {where})")
            else:
                walk(v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk(v, f"{where}/{i}")
walk(spec, "#")
for r in bad_refs:
    fail(f"$ref does not resolve: {r}")
if not bad_refs:
    ok(f"all {n_refs} $refs resolve")

components = spec.get("components") or {}
schemes = (components.get("securitySchemes") or {})
for name in ("Error",):
    if name in (components.get("schemas") or {}):
        ok(f"components/schemas/{name} exists")
    else:
        fail(f"components/schemas/{name} exists")
if components.get("responses"):
    ok("components/responses is defined")
else:
    fail("components/responses is defined")
for name in ("bearerAuth",):
    if name in schemes:
        ok(f"securityScheme {name} exists")
    else:
        fail(f"securityScheme {name} exists")
if any(s.get("type") == "apiKey" and s.get("in") == "header" and s.get("name") == "X-CPC-Signature"
       for s in schemes.values() if isinstance(s, dict)):
    ok("securityScheme for X-CPC-Signature exists")
else:
    fail("securityScheme for X-CPC-Signature exists")

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
documented = set()
op_problems = []
for path, item in paths.items():
    if not isinstance(item, dict):
        op_problems.append(f"{path}: not a mapping")
        continue
    path_params = set(re.findall(r"\{([^}/]+)\}", path))
    common = item.get("parameters") or []
    for method, op in item.items():
        if method not in METHODS:
            continue
        key = f"{method.upper()} {path}"
        documented.add(key)
        if not isinstance(op, dict):
            op_problems.append(f"{key}: operation is not a mapping")
            continue
        if not op.get("summary"):
            op_problems.append(f"{key}: no summary")
        resp = op.get("responses")
        if not isinstance(resp, dict) or not resp:
            op_problems.append(f"{key}: no responses")
        elif not any(str(c).startswith("2") for c in resp):
            op_problems.append(f"{key}: no 2xx response")
        sec = op.get("security", spec.get("security"))
        if not isinstance(sec, list):
            op_problems.append(f"{key}: no security (public routes: security: [])")
        else:
            for req in sec:
                for name in (req or {}):
                    if name not in schemes:
                        op_problems.append(f"{key}: unknown security scheme {name}")
        declared = set()
        for p in list(common) + list(op.get("parameters") or []):
            if isinstance(p, dict) and "$ref" in p:
                p = resolve(p["$ref"]) or {}
            if isinstance(p, dict) and p.get("in") == "path":
                declared.add(p.get("name"))
                if p.get("required") is not True:
                    op_problems.append(f"{key}: path parameter {p.get('name')} not required: true")
        for missing in sorted(path_params - declared):
            op_problems.append(f"{key}: path parameter {{{missing}}} not declared")
        for extra in sorted(declared - path_params):
            op_problems.append(f"{key}: declares path parameter {extra} not in the path")
for p in op_problems:
    fail(p)
if not op_problems:
    ok(f"all {len(documented)} operations have a summary, a 2xx response, security and their path parameters")

# --- the routing table, both ways ---
try:
    with open(index_path) as f:
        routes = json.load(f)["routes"]
except Exception as e:
    fail(f"GET / has a routes list: {e}")
    done()
table = set()
for r in routes:
    m, _, p = r.partition(" ")
    table.add(f"{m.upper()} {p}")
undocumented = sorted(table - documented)
not_routed = sorted(documented - table)
for r in undocumented:
    fail(f"route not documented in openapi.yaml: {r}")
for r in not_routed:
    fail(f"documented operation not in the routing table: {r}")
if not undocumented:
    ok(f"every route of the table ({len(table)}) is documented")
if not not_routed:
    ok(f"every documented operation ({len(documented)}) is in the table")
done()
PY
rc=$?
[ "$rc" -eq 0 ] || { fail "checker ran (rc $rc): $(tail -5 "$T_DIR/results")"; finish; }
while IFS=$'\t' read -r status desc; do
  case "$status" in
    ok) ok "$desc" ;;
    FAIL) fail "$desc" ;;
    *) fail "checker output: $status $desc" ;;
  esac
done <"$T_DIR/results"

stop_node
finish
