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
# Without root the tests that need these skip, saying why.
bash "$(dirname "$0")/apt-install.sh" unit-setup --optional "${missing[@]}"
