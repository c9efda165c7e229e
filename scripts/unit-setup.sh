#!/usr/bin/env bash
# Installs the Debian packages the unit tests use, idempotently (see /work/shared/RECIPES.md):
#   - Debian's /usr/bin/python3 + python3-requests (not a python3 earlier on PATH): the conformance tests write upstream fixtures with Debian's Python
#     (test/fixtures/upstream/make_fixtures.py) and call `rewardlab serve` the way OpenRLHF's
#     client does (requests), and run the exported verl module (standard library only).
# Tests that need them skip, saying so, where they are missing and this script was not run.
set -euo pipefail

missing=()
[ -x /usr/bin/python3 ] || missing+=(python3)
/usr/bin/python3 -c "import requests" >/dev/null 2>&1 || missing+=(python3-requests)
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
echo "unit-setup: installing ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
  echo "unit-setup: need root to apt-get install ${missing[*]}; the tests that use them will be skipped" >&2
  exit 0
fi
# Update the package lists only when they are missing: the tests may run offline afterwards.
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ]; then
  apt-get update -qq
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
