#!/bin/sh
# Starts a demo node: its host key and image-sync's public key from the shared volume, the images it
# holds at first ($NODE_IMAGES, looked up in the demo registry), then sshd in the foreground.
set -eu
install -m 0600 "/keys/$NODE_NAME.host_key" /etc/ssh/ssh_host_ed25519_key
install -d -m 0700 /root/.ssh
install -m 0600 /keys/id_ed25519.pub /root/.ssh/authorized_keys
if [ ! -s /var/lib/crictl/images ]; then
  for ref in $NODE_IMAGES; do grep -F "$ref " /etc/crictl/registry; done > /var/lib/crictl/images
fi
exec /usr/sbin/sshd -D -e
