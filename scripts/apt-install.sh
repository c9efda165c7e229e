#!/usr/bin/env bash
# Installs Debian packages for the test scripts (e2e-setup.sh, unit-setup.sh), idempotently.
# Usage: apt-install.sh WHO [--optional] PACKAGE...
#   WHO names the caller in messages; with --optional a missing root only warns (exit 0), else it
#   fails (exit 1). Nothing to install: exit 0 at once.
set -euo pipefail
who="$1"
shift
optional=false
if [ "${1:-}" = "--optional" ]; then
  optional=true
  shift
fi
[ "$#" -eq 0 ] && exit 0
echo "$who: installing $*"
if [ "$(id -u)" != 0 ]; then
  echo "$who: need root to apt-get install $*" >&2
  $optional && exit 0
  exit 1
fi
# Update the package lists only when they are missing: the tests may run offline afterwards.
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ]; then
  apt-get update -qq
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
