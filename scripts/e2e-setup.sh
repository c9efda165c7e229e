#!/usr/bin/env bash
# Installs what the end-to-end tests need (see /work/shared/RECIPES.md), idempotently:
#   - Debian packages: chromium (driven by playwright-core), ripgrep (code-server's search),
#     libkrb5-dev (headers for code-server's kerberos native module);
#   - code-server 4.100.3 (VS Code 1.100, the last release that runs on Node 20) into .e2e/code-server,
#     outside the project's dependencies.
# playwright-core is a devDependency of the project (npm install puts it in place).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$root/.e2e/code-server"
version="4.100.3"

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
bash "$root/scripts/apt-install.sh" e2e-setup "${missing[@]}"

installed="$prefix/node_modules/code-server/package.json"
if [ -f "$installed" ] && grep -q "\"version\": \"$version\"" "$installed"; then
  echo "e2e-setup: code-server $version already in $prefix"
  exit 0
fi

# @vscode/ripgrep's postinstall downloads rg from GitHub unless a cached archive exists: hand it
# Debian's rg in the archive it expects.
tmp="${TMPDIR:-/tmp}"
cache="$tmp/vscode-ripgrep-cache-1.15.11"
archive="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$archive" ]; then
  mkdir -p "$cache"
  staging="$(mktemp -d)"
  cp "$(command -v rg)" "$staging/rg"
  tar -czf "$archive" -C "$staging" rg
  rm -rf "$staging"
fi

echo "e2e-setup: installing code-server $version into $prefix (3-4 minutes)"
mkdir -p "$prefix"
# unsafe_perm: code-server's postinstall refuses to run as root otherwise; yes: node-pty's
# postinstall runs npx and must not prompt.
npm_config_unsafe_perm=true npm_config_yes=true \
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "code-server@$version"
echo "e2e-setup: done"
