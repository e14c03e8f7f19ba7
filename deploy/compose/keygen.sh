#!/bin/sh
# One-shot, before anything else starts: the client key image-sync logs in with, a host key per node, and
# the known_hosts that trusts exactly those host keys. Kept in the shared volume across restarts.
set -eu
cd /keys
[ -f id_ed25519 ] || ssh-keygen -q -t ed25519 -N '' -C image-sync -f id_ed25519
: > known_hosts.new
for node in $NODES; do
  [ -f "$node.host_key" ] || ssh-keygen -q -t ed25519 -N '' -C "$node" -f "$node.host_key"
  echo "$node $(cut -d' ' -f1,2 "$node.host_key.pub")" >> known_hosts.new
done
mv known_hosts.new known_hosts
# image-sync runs as uid 10001 and refuses a private key that others can read.
chown 10001 id_ed25519 known_hosts
chmod 0600 id_ed25519
