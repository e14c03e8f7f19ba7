# A demo worker node: sshd and the stand-in crictl the integration tests use (there is no container
# runtime: "pulling" an image records it, if the demo registry file serves it).
FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssh-server \
 && rm -rf /var/lib/apt/lists/* /etc/ssh/ssh_host_* \
 && mkdir -p /run/sshd /var/lib/crictl
COPY tests/fleet/crictl /usr/local/bin/crictl
COPY deploy/compose/sshd_config /etc/ssh/sshd_config
COPY deploy/compose/registry /etc/crictl/registry
COPY deploy/compose/node-start.sh /usr/local/bin/node-start
COPY deploy/compose/keygen.sh /usr/local/bin/keygen
ENTRYPOINT ["/usr/local/bin/node-start"]
