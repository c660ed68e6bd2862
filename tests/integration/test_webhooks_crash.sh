#!/usr/bin/env bash
# Webhooks across a SIGKILL of cpcd, against a real receiver (python3
# http.server on 127.0.0.1): 10 events are delivered; then 10 more are queued
# while the receiver holds every request open, cpcd is SIGKILLed with
# deliveries in flight, and restarted. Afterwards the receiver has answered
# 2xx to each of the 20 event ids exactly once (nothing lost, nothing whose
# 2xx was recorded sent again), every X-CPC-Signature verifies with openssl
# as docs/webhooks.md shows, and the API lists all 20 as delivered.
source "$(dirname "$0")/lib.sh"

PORT=$(free_port)
NODE="http://127.0.0.1:$PORT"
NHOME="$T_DIR/node"
PW="Hook pass 2024"
RX="$T_DIR/rx"
mkdir -p "$RX"

cat >"$T_DIR/rx.py" <<'PY'
import http.server, os, sys, time, threading
d = sys.argv[1]
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        ev = self.headers.get("X-CPC-Event-Id", "")
        sig = self.headers.get("X-CPC-Signature", "")
        status = 200
        if os.path.exists(os.path.join(d, "hold")):
            with lock:
                open(os.path.join(d, "held"), "a").write(ev + "\n")
            while os.path.exists(os.path.join(d, "hold")):
                time.sleep(0.02)
            status = 500
        if status == 200:
            with lock:
                n = len(os.listdir(os.path.join(d, "ok")))
                open(os.path.join(d, "ok", "%05d" % n), "wb").write(
                    ev.encode() + b"\n" + sig.encode() + b"\n" + body)
        try:
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
        except OSError:
            pass  # the node was killed while this request was held
    def log_message(self, *a):
        pass
os.makedirs(os.path.join(d, "ok"), exist_ok=True)
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(os.path.join(d, "port.tmp"), "w").write(str(s.server_address[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
s.serve_forever()
PY
python3 "$T_DIR/rx.py" "$RX" &
for _ in $(seq 1 100); do [ -f "$RX/port" ] && break; sleep 0.05; done
RXPORT=$(cat "$RX/port")

"$CPC_BIN/cpcd" init --home "$NHOME" >/dev/null 2>&1 || { fail "cpcd init"; finish; }
printf '\n[platform]\nargon2_opslimit = 1\nargon2_memlimit_kib = 8\n' >>"$NHOME/config"
printf '\n[webhooks]\nallow_http_hosts = 127.0.0.1\nretry_base_ms = 50\nretry_cap_ms = 200\ntimeout_ms = 20000\n' >>"$NHOME/config"
start_node "$NHOME" "$PORT" --block-time 300 || { fail "node start"; finish; }

EMAIL=hooks@example.com
curl -fsS -X POST -H 'Content-Type: application/json' \
  --data "{\"email\":\"$EMAIL\",\"password\":\"$PW\"}" "$NODE/auth/register" >/dev/null || fail "register"
code=""
for _ in $(seq 1 100); do
  code=$(cat "$NHOME"/outbox/*.eml 2>/dev/null | grep -o 'confirmation code is: [0-9]\{6\}' |
         tail -1 | grep -o '[0-9]\{6\}')
  [ -n "$code" ] && break
  sleep 0.1
done
curl -fsS -X POST -H 'Content-Type: application/json' \
  --data "{\"email\":\"$EMAIL\",\"code\":\"$code\"}" "$NODE/auth/verify" >/dev/null || fail "verify"
TOK=$(curl -fsS -X POST -H 'Content-Type: application/json' \
  --data "{\"email\":\"$EMAIL\",\"password\":\"$PW\"}" "$NODE/auth/login" | jq -r .access_token)
auth=(-H "Authorization: Bearer $TOK" -H 'Content-Type: application/json')

out=$(curl -sS -X POST "${auth[@]}" --data \
  "{\"url\":\"http://127.0.0.1:$RXPORT/hook\",\"events\":[\"*\"]}" "$NODE/webhooks")
HOOK=$(echo "$out" | jq -r .id); SECRET=$(echo "$out" | jq -r .secret)
expect_contains "the secret is answered once, whsec_" "whsec_" "$SECRET"

emit() { curl -fsS -X POST "${auth[@]}" "$NODE/webhooks/$HOOK/test" | jq -r .event_id; }
ok_count() { ls "$RX/ok" | wc -l; }

for _ in $(seq 1 10); do emit >>"$T_DIR/ids"; done
for _ in $(seq 1 200); do [ "$(ok_count)" -ge 10 ] && break; sleep 0.05; done
expect_eq "10 events delivered before the crash" 10 "$(ok_count)"

touch "$RX/hold"
for _ in $(seq 1 10); do emit >>"$T_DIR/ids"; done
for _ in $(seq 1 200); do [ -s "$RX/held" ] && break; sleep 0.05; done
check "deliveries are in flight when cpcd is killed" test -s "$RX/held"
kill_node
rm -f "$RX/hold"
start_node "$NHOME" "$PORT" --block-time 300 || { fail "restart"; finish; }

delivered=0
for _ in $(seq 1 300); do
  delivered=$(curl -fsS "${auth[@]}" "$NODE/webhooks/$HOOK/deliveries?limit=100" |
              jq '[.deliveries[] | select(.state == "delivered")] | length')
  [ "$delivered" = 20 ] && break
  sleep 0.05
done
expect_eq "the API lists all 20 deliveries as delivered after the restart" 20 "$delivered"
sleep 0.3 # a resend, if any, would arrive now
expect_eq "the receiver answered 2xx exactly 20 times" 20 "$(ok_count)"
dups=$(for f in "$RX"/ok/*; do head -1 "$f"; done | sort | uniq -d | wc -l)
expect_eq "no event id was accepted twice" 0 "$dups"
missing=$(sort -u "$T_DIR/ids" | comm -23 - <(for f in "$RX"/ok/*; do head -1 "$f"; done | sort -u) | wc -l)
expect_eq "every emitted event id was accepted" 0 "$missing"

# every signature verifies, as docs/webhooks.md shows
bad=0
for f in "$RX"/ok/*; do
  sig=$(sed -n 2p "$f"); tail -n +3 "$f" >"$T_DIR/body"
  t=${sig#t=}; t=${t%%,*}; v1=${sig##*v1=}
  want=$( { printf '%s.' "$t"; cat "$T_DIR/body"; } | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.*= //')
  [ "$want" = "$v1" ] || bad=$((bad + 1))
done
expect_eq "every X-CPC-Signature verifies with openssl" 0 "$bad"
finish
