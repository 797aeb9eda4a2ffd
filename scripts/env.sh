# Sourced by the project's scripts: puts the tools setup installed on PATH and picks the
# Rust toolchain that can build wasm32 for this project (without touching the default).
# shellcheck shell=bash

UPDOX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$UPDOX_ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
# A stray GECKODRIVER makes wasm-pack's runner pick Firefox even under --chrome.
unset GECKODRIVER SAFARIDRIVER
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
