#!/usr/bin/env bash
# test_worker_rental_sandbox.sh — rentals end to end through `cpc-worker rental`:
#   sandbox: a real sshd (openssh-server, scripts/deps.sh) in bubblewrap on
#     127.0.0.1:free port; the customer's key logs in as cpc, another key is
#     refused, a second start adopts instead of starting twice, reconcile after
#     a simulated crash (the pid lost from the state file) adopts the running
#     sandbox, reboot keeps the home, stop closes the port and kills everything;
#   docker: a FAKE `docker` on PATH that records its argv (this machine has no
#     Docker daemon nor images), to check the exact arguments: key and image
#     are one argument each and nothing reaches a shell.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
W="$CPC_BIN/cpc-worker"
H="$T_DIR/home"
SSH_OPTS=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
          -o LogLevel=ERROR -o ConnectTimeout=5)

rental() { "$W" --home "$H" rental "$@"; }
port_closed() { ! (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
# bwrap processes of rental ID (outer and the namespace's init), by the marker argument
procs_of() { pgrep -f -- "$RD/$1/ssh" | while read -r p; do
  [ "$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)" != Z ] && echo "$p"; done | wc -l; }
json_field() { jq -r ".$1" <<<"$2"; }

ssh-keygen -q -t ed25519 -N '' -f "$T_DIR/cust" -C customer
ssh-keygen -q -t ed25519 -N '' -f "$T_DIR/other" -C other

# ---- usage errors (no sshd needed) ----
"$W" --home "$H" rental --help | grep -q "rental COMMAND"; check "rental --help" test $? -eq 0
rental start --port 1 >/dev/null 2>&1; expect_eq "start without --id is a usage error" 2 $?
rental bogus >/dev/null 2>&1; expect_eq "unknown rental command is a usage error" 2 $?
rental start --id a1 --key-file "$T_DIR/cust.pub" --port 70000 >/dev/null 2>&1
expect_eq "port 70000 is a usage error" 2 $?
out=$(rental start --id XYZ --key-file "$T_DIR/cust.pub" --port 2222 2>&1); rc=$?
expect_eq "non-hex id refused" 1 "$rc"; expect_contains "says why" "hex" "$out"
echo "not a key" >"$T_DIR/bad.pub"
out=$(rental start --id a1 --key-file "$T_DIR/bad.pub" --port 2222 2>&1)
expect_contains "a non-key is refused" "OpenSSH public key" "$out"
rental stop --id a1 >/dev/null 2>&1; expect_eq "stop of an unknown rental fails" 1 $?
out=$(rental start --id a1 --key-file "$T_DIR/cust.pub" --port 2222 --kind lxc 2>&1)
expect_contains "unknown kind refused" "sandbox or docker" "$out"

# ---- docker, through a fake docker that records its argv ----
mkdir -p "$T_DIR/bin"
cat >"$T_DIR/bin/docker" <<'EOF'
#!/usr/bin/env bash
# fake docker: one file per call, one argument per NUL-terminated record;
# a container "exists" from `run` to `rm -f` (the file $FAKE_DOCKER_LOG.up)
n=$(ls "$FAKE_DOCKER_LOG" | wc -l)
printf '%s\0' "$@" >"$FAKE_DOCKER_LOG/$(printf %03d "$n")"
case "$1" in
  run) touch "$FAKE_DOCKER_LOG.up"; echo 0123456789abcdef0123456789abcdef ;;
  rm) rm -f "$FAKE_DOCKER_LOG.up" ;;
  inspect) [ -e "$FAKE_DOCKER_LOG.up" ] && echo running && exit 0
           echo "Error: No such object: $4" >&2; exit 1 ;;
  logs) echo "fake container log" ;;
esac
EOF
chmod +x "$T_DIR/bin/docker"
export FAKE_DOCKER_LOG="$T_DIR/dockerlog"; mkdir -p "$FAKE_DOCKER_LOG"
DPORT=$(free_port)
KEY='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForArgvTest x; touch '"$T_DIR"'/pwned $(touch '"$T_DIR"'/pwned2)'
printf '%s\n' "$KEY" >"$T_DIR/evil.pub"
IMG='example/rental:1;touch$IFS/tmp/pwned3'
mkdir -p "$H"; printf '[provision]\nkind = docker\nlisten = 127.0.0.1\n' >"$H/config"
out=$(PATH="$T_DIR/bin:$PATH" rental start --id d0c \
      --key-file "$T_DIR/evil.pub" --port "$DPORT" --gpus 0,1 --image "$IMG" 2>&1)
expect_eq "[provision] kind = docker from HOME/config: running, container id" "true 0123456789abcdef0123456789abcdef" \
  "$(jq -r '"\(.running) \(.container)"' <<<"$out" 2>/dev/null)"
mapfile -d '' run_argv < <(grep -lz '^run$' "$FAKE_DOCKER_LOG"/* | head -1 | xargs cat)
expected=(run -d --name cpc-rental-d0c --gpus '"device=0,1"' -p "127.0.0.1:$DPORT:22"
          -e "SSH_PUBLIC_KEY=$KEY" "$IMG")
expect_eq "docker run argv is exact (key and image one argument each)" \
  "$(printf '%s|' "${expected[@]}")" "$(printf '%s|' "${run_argv[@]}")"
check "no shell ran the key or the image" test ! -e "$T_DIR/pwned" -a ! -e "$T_DIR/pwned2" -a ! -e /tmp/pwned3
PATH="$T_DIR/bin:$PATH" rental start --kind docker --listen 127.0.0.1 --id d0c \
  --key-file "$T_DIR/evil.pub" --port "$DPORT" --gpus 0,1 --image "$IMG" >/dev/null 2>&1
expect_eq "a second docker start adopts: one docker run in all" 1 \
  "$(grep -lz '^run$' "$FAKE_DOCKER_LOG"/* | wc -l)"
out=$(PATH="$T_DIR/bin:$PATH" rental status)
expect_contains "docker status through inspect" '"running": true' "$out"
out=$(PATH="$T_DIR/bin:$PATH" rental logs --id d0c)
expect_contains "docker logs" "fake container log" "$out"
PATH="$T_DIR/bin:$PATH" rental stop --id d0c >/dev/null
last=$(ls "$FAKE_DOCKER_LOG" | tail -1)
expect_eq "docker stop is rm -f NAME" "rm|-f|cpc-rental-d0c|" \
  "$(tr '\0' '|' <"$FAKE_DOCKER_LOG/$last")"
out=$(rental start --kind docker --id d0d --key-file "$T_DIR/cust.pub" --port "$DPORT" 2>&1)
expect_contains "docker start needs an image" "need an image" "$out"

rm -f "$H/config" # the default kind from here on: sandbox
RD="$H/worker/rentals"
if [ "$(id -u)" = 0 ]; then
  # a root worker runs the sandbox as nobody, who must walk down to the rentals' folders
  chmod 0700 "$H"
  out=$(rental start --listen 127.0.0.1 --id 5a1c --key-file "$T_DIR/cust.pub" --port "$(free_port)" 2>&1)
  expect_contains "root: a rentals folder nobody cannot reach is refused, saying why" \
    "who cannot enter $H" "$out"
  rental stop --id 5a1c >/dev/null
  RD="$T_DIR/rentals"; chmod 0711 "$T_DIR"
  printf '[provision]\ndir = %s\n' "$RD" >"$H/config"
fi

# ---- sandbox: a real sshd in bubblewrap ----
if [ ! -x /usr/sbin/sshd ]; then
  fail "/usr/sbin/sshd missing: run scripts/deps.sh (openssh-server)"; finish
fi
if ! bwrap --unshare-user --unshare-pid --ro-bind / / true 2>/dev/null; then
  echo "skip - bubblewrap cannot make user namespaces here: sandbox part not run"; finish
fi
P=$(free_port)
out=$(rental start --listen 127.0.0.1 --id 5a1d --key-file "$T_DIR/cust.pub" --port "$P" 2>&1)
check "sandbox start: $out" test "$(json_field running "$out" 2>/dev/null)" = true
PID1=$(json_field pid "$out" 2>/dev/null)
out=$(ssh -i "$T_DIR/cust" -p "$P" "${SSH_OPTS[@]}" cpc@127.0.0.1 'echo hello; id -un' 2>&1)
expect_eq "the customer's key logs in as cpc" "hello
cpc" "$out"
ssh -i "$T_DIR/other" -p "$P" "${SSH_OPTS[@]}" cpc@127.0.0.1 true >/dev/null 2>&1
expect_eq "another key is refused" 255 $?
ssh -i "$T_DIR/cust" -p "$P" "${SSH_OPTS[@]}" root@127.0.0.1 true >/dev/null 2>&1
expect_eq "root is refused" 255 $?
out=$(ssh -i "$T_DIR/cust" -p "$P" "${SSH_OPTS[@]}" cpc@127.0.0.1 \
      'echo kept >~/mark; ls /home; test -w /usr || echo ro-usr; ls /tmp | wc -l;
       cat /etc/shadow >/dev/null 2>&1 || echo no-shadow' 2>&1)
expect_eq "private home and /tmp, read-only /usr, no /etc/shadow" "cpc
ro-usr
0
no-shadow" "$out"
if [ "$(id -u)" = 0 ]; then
  expect_eq "a root worker's sandbox runs as nobody" nobody "$(ps -o user= -p "$PID1" | tr -d ' ')"
fi

out=$(rental start --listen 127.0.0.1 --id 5a1d --key-file "$T_DIR/cust.pub" --port "$P" 2>&1)
expect_eq "a second start adopts the same sandbox" "$PID1" "$(json_field pid "$out" 2>/dev/null)"
expect_eq "one sandbox (outer bwrap + its init) runs" 2 "$(procs_of 5a1d)"

# a crash between spawning and recording the pid: the state file has pid 0
ST="$H/worker/rentals.json"
jq '.rentals[0].pid = 0 | .rentals[0].pid_start = 0' "$ST" >"$ST.new" && mv "$ST.new" "$ST"
out=$(rental reconcile); expect_eq "reconcile adopts the running sandbox" '{"adopted": 1, "exited": 0}' "$out"
expect_eq "the adopted pid is the one running" "$PID1" "$(jq -r '.rentals[0].pid' "$ST")"
rental start --listen 127.0.0.1 --id 5a1d --key-file "$T_DIR/cust.pub" --port "$P" >/dev/null 2>&1
expect_eq "start after reconcile does not start a second" 2 "$(procs_of 5a1d)"

out=$(rental reboot --id 5a1d 2>&1)
PID2=$(json_field pid "$out" 2>/dev/null)
check "reboot gives a new process ($PID1 -> $PID2)" test -n "$PID2" -a "$PID2" != "$PID1" -a "$PID2" != null
out=$(ssh -i "$T_DIR/cust" -p "$P" "${SSH_OPTS[@]}" cpc@127.0.0.1 'cat ~/mark' 2>&1)
expect_eq "the home survives a reboot" kept "$out"
out=$(rental logs --id 5a1d --bytes 100000)
expect_contains "sshd's log has the login" "Accepted publickey for cpc" "$out"

rental stop --id 5a1d >/dev/null; expect_eq "stop exits 0" 0 $?
check "the port is closed after stop" port_closed "$P"
expect_eq "no sandbox process is left" 0 "$(procs_of 5a1d)"
expect_eq "stopped rental is forgotten" "" "$(rental status)"

# reconcile of a sandbox that died while the worker was away: marked exited
P2=$(free_port)
rental start --listen 127.0.0.1 --id 5a1e --key-file "$T_DIR/cust.pub" --port "$P2" >/dev/null
pgrep -f -- "$RD/5a1e/ssh" | xargs -r kill -KILL
for _ in $(seq 1 100); do port_closed "$P2" && break; sleep 0.05; done
out=$(rental reconcile); expect_eq "reconcile marks a dead sandbox exited" '{"adopted": 0, "exited": 1}' "$out"
out=$(rental start --listen 127.0.0.1 --id 5a1e --key-file "$T_DIR/cust.pub" --port "$P2" 2>&1)
check "a dead sandbox starts again" test "$(json_field running "$out" 2>/dev/null)" = true
rental stop --id 5a1e >/dev/null
check "port closed after the second stop" port_closed "$P2"
finish
