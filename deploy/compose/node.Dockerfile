# A demo worker node: sshd and the stand-in crictl the integration tests use (there is no container
# runtime: "pulling" an image records it, if the demo registry file serves it). image-sync logs in as the
# unprivileged user image-sync, whose key runs the node helper and nothing else (README: least privilege).
# The base is a build argument pinned by digest like the image-sync Dockerfile's (refresh: docker buildx imagetools
# inspect debian:12-slim, then replace the digest here and in docker-compose.yml); any Debian 12 image will do.
ARG NODE_BASE_IMAGE=debian:12-slim@sha256:ccb33c3ac5b02588fc1d9e4fc09b952e433d0c54d8618d0ee1afadf1f3cf2455
FROM ${NODE_BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssh-server \
 && rm -rf /var/lib/apt/lists/* /etc/ssh/ssh_host_* \
 && mkdir -p /run/sshd /var/lib/crictl /etc/ssh/authorized_keys \
 && useradd --system --shell /bin/sh --home-dir / image-sync && usermod --password '*' image-sync \
 && chown image-sync /var/lib/crictl
COPY tests/fleet/crictl /usr/local/bin/crictl
COPY deploy/node/image-sync-node /usr/local/lib/image-sync/image-sync-node
COPY deploy/compose/sshd_config /etc/ssh/sshd_config
COPY deploy/compose/registry /etc/crictl/registry
COPY deploy/compose/node-start.sh /usr/local/bin/node-start
COPY deploy/compose/keygen.sh /usr/local/bin/keygen
ENTRYPOINT ["/usr/local/bin/node-start"]
