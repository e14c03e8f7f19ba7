#!/usr/bin/env bash
# Runs every test of image-sync: unit and TestKit specs, then the integration tests against real sshd
# nodes started on this machine. Installs openssh-server when sshd is missing: those tests need it, and a
# missing sshd must fail the run, never skip it.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x /usr/sbin/sshd ]; then
  echo "test.sh: installing openssh-server (the integration tests start real sshd nodes)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq openssh-server >/dev/null
fi

# The integration tests run the published CLI as a process, as cron would.
dotnet publish src/ImageSync.Cli -c Release -o artifacts/bin --nologo -v quiet
dotnet test ImageSync.sln -c Release --nologo "$@"
