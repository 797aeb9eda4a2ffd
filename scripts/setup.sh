#!/usr/bin/env bash
# Idempotent setup, run by `npm start` and `npm test` before anything else: a wasm32 Rust
# toolchain, wasm-pack, wasm-bindgen-cli (the Cargo.lock version), npm packages, Chromium
# and ChromeDriver, Redis. Each step says whether it installed something or skipped.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$UPDOX_ROOT"

CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/updox-direct"
mkdir -p "$CACHE_DIR"
# Two commands started at once (npm start in one terminal, npm test in another) take turns.
exec 9>"$CACHE_DIR/setup.lock"
flock 9

say() { printf 'setup: %s\n' "$*"; }
fail() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }
need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || fail "installing '$*' needs root (or sudo)"
    sudo "$@"
  else
    "$@"
  fi
}
APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || fail "apt-get not found; install these by hand: $*"
  if [ "$APT_UPDATED" = 0 ]; then
    need_root apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive need_root apt-get install -y -qq --no-install-recommends "$@"
}

command -v rustup >/dev/null || fail "rustup not found: install Rust with rustup first"
command -v npm >/dev/null || fail "npm not found: install Node.js 20 or newer first"

# 1. A wasm32 toolchain. The normal way first; the offline recipe only if that fails.
setup_wasm_toolchain() {
  if updox_select_toolchain; then
    say "skip wasm32 toolchain: ready (${RUSTUP_TOOLCHAIN:-rustup default})"
    return
  fi
  say "rustup target add wasm32-unknown-unknown (60 s limit)"
  if [ "${UPDOX_OFFLINE_TOOLCHAIN:-}" != 1 ] &&
    timeout 60 env -u RUSTUP_TOOLCHAIN rustup target add wasm32-unknown-unknown &&
    updox_select_toolchain; then
    say "installed wasm32 target with rustup"
    return
  fi
  say "rustup could not download the wasm32 std; building it from Debian's Rust source"
  apt_install rustc-web cargo-web rust-web-src rust-web-llvm rust-web-clippy lld-22
  local sysroot_lib=/usr/lib/rustlib/wasm32-unknown-unknown/lib
  if ! compgen -G "$sysroot_lib/libstd-*.rlib" >/dev/null; then
    local work="$CACHE_DIR/wasm-std"
    rm -rf "$work" && mkdir -p "$work/src"
    cat >"$work/Cargo.toml" <<'TOML'
[package]
name = "updox_std_driver"
version = "0.0.0"
edition = "2021"

[lib]
path = "src/lib.rs"

[profile.release]
opt-level = 3
codegen-units = 1
debug-assertions = false
TOML
    echo '#![no_std]' >"$work/src/lib.rs"
    # The rustup proxies must not win here, or cargo asks for rustup's rust-src.
    (cd "$work" && PATH=/usr/bin:$PATH RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
      RUSTFLAGS="-Cembed-bitcode=yes" \
      /usr/bin/cargo build --release --target wasm32-unknown-unknown \
      -Zbuild-std=std,panic_abort,panic_unwind,test,proc_macro)
    need_root mkdir -p "$sysroot_lib"
    find "$work/target/wasm32-unknown-unknown/release/deps" -name 'lib*.rlib' \
      ! -name 'libupdox_std_driver-*' -exec cp {} "$sysroot_lib/" \;
  fi
  rustup toolchain list | grep -q "^$UPDOX_SYS_TOOLCHAIN" ||
    rustup toolchain link "$UPDOX_SYS_TOOLCHAIN" /usr
  updox_select_toolchain || fail "wasm32 std was built but the toolchain still lacks it"
  say "installed wasm32 std for Debian's Rust as toolchain '$UPDOX_SYS_TOOLCHAIN'"
}

# Clippy for the chosen toolchain (Debian's compiler needs its own package).
setup_clippy() {
  if cargo clippy --version >/dev/null 2>&1; then
    say "skip clippy: ready"
  elif [ "${RUSTUP_TOOLCHAIN:-}" = "$UPDOX_SYS_TOOLCHAIN" ]; then
    apt_install rust-web-clippy
  else
    timeout 120 rustup component add clippy || fail "clippy is missing for this toolchain"
  fi
}

# 2. wasm-pack and wasm-bindgen-cli (exactly the Cargo.lock version). Built with rustup's
# default toolchain: they are native tools, not part of the wasm build.
setup_wasm_tools() {
  if command -v wasm-pack >/dev/null; then
    say "skip wasm-pack: $(wasm-pack --version)"
  else
    say "cargo install wasm-pack (takes minutes, once)"
    env -u RUSTUP_TOOLCHAIN cargo install wasm-pack
  fi
  local want have=""
  want=$(updox_wasm_bindgen_version)
  [ -n "$want" ] || fail "no wasm-bindgen in Cargo.lock"
  if command -v wasm-bindgen >/dev/null; then
    have=$(wasm-bindgen --version | awk '{print $2}')
  fi
  if [ "$have" = "$want" ]; then
    say "skip wasm-bindgen-cli: $have"
  else
    say "cargo install wasm-bindgen-cli $want (takes minutes, once)"
    # No --locked: its lock file names a crate version the registry lacks.
    env -u RUSTUP_TOOLCHAIN cargo install wasm-bindgen-cli --version "$want" --force
  fi
}

# 3. npm packages (binaryen for wasm-opt, playwright-core, ...), only when the lock changed.
setup_npm() {
  local stamp=node_modules/.updox-setup-stamp sum
  sum=$(sha256sum package-lock.json | awk '{print $1}')
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
    say "skip npm ci: node_modules matches package-lock.json"
  else
    say "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$sum" >"$stamp"
  fi
}

# 4. Debian's Chromium and ChromeDriver for the browser tests; Redis for the shared
# idempotency store's tests.
setup_system_packages() {
  local missing=()
  [ -x "$CHROMIUM_PATH" ] || missing+=(chromium)
  [ -x "$CHROMEDRIVER" ] || missing+=(chromium-driver)
  command -v redis-server >/dev/null || missing+=(redis-server)
  if [ ${#missing[@]} -eq 0 ]; then
    say "skip chromium, chromium-driver, redis-server: present"
  else
    say "apt-get install ${missing[*]}"
    apt_install "${missing[@]}"
  fi
}

setup_wasm_toolchain
setup_clippy
setup_wasm_tools
setup_npm
setup_system_packages
say "ready (Rust toolchain: ${RUSTUP_TOOLCHAIN:-rustup default})"
