#!/usr/bin/env bash
# Runs every test of image-sync: unit and TestKit specs, then the integration tests against real sshd
# nodes (and, for node-to-node copies, real containerd daemons and a registry) started on this machine, and
# the container image and compose demo built and run on a Docker engine (dockerd is started when none runs).
# Installs what those need from Debian's packages when it is missing: a missing tool must fail the run,
# never skip a test.
set -euo pipefail
cd "$(dirname "$0")"

declare -A needed=([/usr/sbin/sshd]=openssh-server [/usr/bin/containerd]=containerd [/usr/bin/docker-registry]=docker-registry
                   [/usr/bin/skopeo]=skopeo [/usr/bin/umoci]=umoci [/usr/bin/jq]=jq [/usr/bin/systemd-analyze]=systemd
                   [/usr/bin/promtool]=prometheus [/usr/bin/htpasswd]=apache2-utils [/usr/bin/openssl]=openssl [/usr/bin/tcpdump]=tcpdump
                   [/usr/sbin/dockerd]=docker.io [/usr/bin/docker-compose]=docker-compose [/usr/sbin/debootstrap]=debootstrap)
missing=()
for tool in "${!needed[@]}"; do [ -x "$tool" ] || missing+=("${needed[$tool]}"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]} (the integration tests start real sshd, containerd, registry and Docker engine processes and capture the replicas' traffic; the deploy specs run systemd-analyze and promtool; htpasswd writes the users of a registry that requires credentials)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The integration tests run the published CLI as a process, as cron would.
dotnet publish src/ImageSync.Cli -c Release -o artifacts/bin --nologo -v quiet
dotnet test ImageSync.sln -c Release --nologo "$@"
