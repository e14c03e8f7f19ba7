#!/bin/sh
# Starts a demo node: its host key and image-sync's public key (forced to the node helper) from the shared volume, the images it
# holds at first ($NODE_IMAGES, looked up in the demo registry), then sshd in the foreground.
set -eu
install -m 0600 "/keys/$NODE_NAME.host_key" /etc/ssh/ssh_host_ed25519_key
# The key may run the node helper only: no shell, no forwarding, no pty.
printf 'restrict,command="/usr/local/lib/image-sync/image-sync-node" %s\n' "$(cat /keys/id_ed25519.pub)" > /etc/ssh/authorized_keys/image-sync
chmod 0644 /etc/ssh/authorized_keys/image-sync
if [ ! -s /var/lib/crictl/images ]; then
  for ref in $NODE_IMAGES; do grep -F "$ref " /etc/crictl/registry; done > /var/lib/crictl/images
  chown image-sync /var/lib/crictl/images
fi
exec /usr/sbin/sshd -D -e
