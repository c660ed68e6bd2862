#!/bin/sh
# Install $SSH_PUBLIC_KEY as cpc's only authorized key, make host keys once,
# then run sshd in the foreground (its log goes to `docker logs`).
set -eu
if [ -z "${SSH_PUBLIC_KEY:-}" ]; then
  echo "cpc-rental: SSH_PUBLIC_KEY is not set" >&2
  exit 1
fi
case "$SSH_PUBLIC_KEY" in
  *"
"*) echo "cpc-rental: SSH_PUBLIC_KEY must be one line" >&2; exit 1 ;;
esac
install -d -m 0700 -o cpc -g cpc /home/cpc/.ssh
printf '%s\n' "$SSH_PUBLIC_KEY" >/home/cpc/.ssh/authorized_keys
chown cpc:cpc /home/cpc/.ssh/authorized_keys
chmod 0600 /home/cpc/.ssh/authorized_keys
unset SSH_PUBLIC_KEY
ssh-keygen -A >/dev/null
exec /usr/sbin/sshd -D -e
