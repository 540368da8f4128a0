#!/usr/bin/env bash
# Installs code-server (VS Code's workbench + Node extension host, published on npm) into
# <repo>/.cache/code-server/, without internet access: only the npm registry is used.
# See shared/docs/real-vscode-offline.md for why each step is needed.
#
# Idempotent: does nothing when the pinned version is already installed and runnable.
# Fails loudly (non-zero) when a prerequisite is missing.
#
# Prerequisites (Debian): apt-get install -y chromium libkrb5-dev ripgrep
# Env: CODE_SERVER_VERSION (default 4.100.3), CODE_SERVER_DIR (default <repo>/.cache/code-server)
set -euo pipefail

VERSION="${CODE_SERVER_VERSION:-4.100.3}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${CODE_SERVER_DIR:-$REPO_ROOT/.cache/code-server}"
BIN="$DEST/node_modules/.bin/code-server"
PKG_JSON="$DEST/node_modules/code-server/package.json"
RG_VERSION_DIR="vscode-ripgrep-cache-1.15.11"
RG_TARBALL_NAME="ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"

log() { echo "[install-code-server] $*"; }
die() { echo "[install-code-server] ERROR: $*" >&2; exit 1; }

installed_version() {
  [ -f "$PKG_JSON" ] || return 1
  node -p "require(process.argv[1]).version" "$PKG_JSON" 2>/dev/null
}

VSCODE_DIR="$DEST/node_modules/code-server/lib/vscode"
# Files that only exist once code-server's postinstall (which installs VS Code's own
# dependencies, builds native modules and fetches ripgrep) has finished.
POSTINSTALL_MARKERS=(
  "$VSCODE_DIR/out/server-main.js"
  "$VSCODE_DIR/node_modules/@vscode/ripgrep/bin/rg"
  "$VSCODE_DIR/node_modules/kerberos/build/Release/kerberos.node"
)

is_complete() {
  [ -x "$BIN" ] || return 1
  [ "$(installed_version || true)" = "$VERSION" ] || return 1
  for f in "${POSTINSTALL_MARKERS[@]}"; do [ -e "$f" ] || return 1; done
  [ -f "$DEST/.install-complete-$VERSION" ] || return 1
}

if is_complete; then
  log "code-server $VERSION already installed at $DEST"
  exit 0
fi

# ---- prerequisites --------------------------------------------------------------------------
command -v node >/dev/null || die "node is not installed"
command -v npm >/dev/null || die "npm is not installed"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
[ "$NODE_MAJOR" = "20" ] || die "code-server $VERSION needs Node 20 (found $(node --version))"
RG="$(command -v rg || true)"
[ -n "$RG" ] || die "ripgrep (rg) is missing: apt-get install -y ripgrep"
[ -f /usr/include/gssapi/gssapi.h ] || [ -f /usr/include/krb5.h ] ||
  die "Kerberos headers are missing (needed to build code-server's native module): apt-get install -y libkrb5-dev"
command -v make >/dev/null || die "make is missing: apt-get install -y build-essential"
command -v g++ >/dev/null || die "g++ is missing: apt-get install -y build-essential"
command -v python3 >/dev/null || die "python3 is missing (node-gyp): apt-get install -y python3"

# ---- pre-seed the ripgrep download cache (@vscode/ripgrep looks there before fetching) -----
TMP_ROOT="$(node -p "require('os').tmpdir()")"
RG_CACHE_DIR="$TMP_ROOT/$RG_VERSION_DIR"
RG_TARBALL="$RG_CACHE_DIR/$RG_TARBALL_NAME"
if [ ! -s "$RG_TARBALL" ]; then
  log "seeding ripgrep cache $RG_TARBALL from $RG"
  mkdir -p "$RG_CACHE_DIR"
  STAGE="$(mktemp -d)"
  cp "$RG" "$STAGE/rg"
  chmod +x "$STAGE/rg"
  tar -czf "$RG_TARBALL.tmp" -C "$STAGE" rg
  mv "$RG_TARBALL.tmp" "$RG_TARBALL"
  rm -rf "$STAGE"
fi

# ---- install ---------------------------------------------------------------------------------
log "installing code-server@$VERSION into $DEST (takes 1-2 minutes)"
mkdir -p "$DEST"
rm -f "$DEST"/.install-complete-*
# A partial or other-version install would make npm skip code-server's postinstall: start clean.
rm -rf "$DEST/node_modules" "$DEST/package-lock.json"
if [ ! -f "$DEST/package.json" ]; then
  printf '{\n  "name": "code-server-cache",\n  "private": true\n}\n' >"$DEST/package.json"
fi
(
  cd "$DEST"
  export npm_config_yes=true
  export npm_config_update_notifier=false
  npm install --no-audit --no-fund --unsafe-perm "code-server@$VERSION"
) || die "npm install of code-server@$VERSION failed (see output above)"

[ -x "$BIN" ] || die "code-server binary not found at $BIN after install"
[ "$(installed_version || true)" = "$VERSION" ] || die "installed version is '$(installed_version || true)', expected $VERSION"
for f in "${POSTINSTALL_MARKERS[@]}"; do
  [ -e "$f" ] || die "missing after install: $f (code-server's postinstall did not complete; see output above)"
done
"$BIN" --version >/dev/null || die "installed code-server does not run: $BIN --version failed"

touch "$DEST/.install-complete-$VERSION"
log "installed: $("$BIN" --version | head -1)"
