#!/usr/bin/env bash
# Idempotent setup, run by `npm start` and `npm test` before anything else: a wasm32 Rust
# toolchain, wasm-pack, wasm-bindgen-cli (the Cargo.lock version), geckodriver, npm
# packages, the Node.js LTS (when the system Node is older), and the browser engines:
# Chromium and ChromeDriver, Firefox ESR, WebKitGTK's WebKitWebDriver with Xvfb; Redis.
# Each step says whether it installed something or skipped.
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
  # Another apt (a parallel setup, unattended upgrades) may hold the lock: wait for it.
  if [ "$APT_UPDATED" = 0 ]; then
    need_root apt-get -o DPkg::Lock::Timeout=600 update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive need_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "$@"
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

# 2. wasm-pack, wasm-bindgen-cli (exactly the Cargo.lock version) and geckodriver (not
# packaged by Debian; for `wasm-pack test --firefox`, pinned). No registry package ships
# them for Linux (the npm `wasm-pack` and `geckodriver` packages download from GitHub at
# install time), so they are built from crates.io, which is most of a first run. What is
# missing is built in one go, with rustup's default toolchain (they are native tools), into
# one target folder kept in the cache: dependencies they share (clap, serde, tokio, ...)
# compile once, and a later version bump rebuilds only what changed.
setup_cargo_tools() {
  local locked=() unlocked=() want have
  if command -v wasm-pack >/dev/null; then
    say "skip wasm-pack: $(wasm-pack --version)"
  else
    locked+=(wasm-pack)
  fi
  have=""
  [ -x "$UPDOX_GECKODRIVER" ] && have=$("$UPDOX_GECKODRIVER" --version | awk 'NR == 1 {print $2}')
  if [ "$have" = "$UPDOX_GECKODRIVER_VERSION" ]; then
    say "skip geckodriver: $have"
  else
    locked+=("geckodriver@$UPDOX_GECKODRIVER_VERSION")
  fi
  want=$(updox_wasm_bindgen_version)
  [ -n "$want" ] || fail "no wasm-bindgen in Cargo.lock"
  have=""
  command -v wasm-bindgen >/dev/null && have=$(wasm-bindgen --version | awk '{print $2}')
  if [ "$have" = "$want" ]; then
    say "skip wasm-bindgen-cli: $have"
  else
    # No --locked: its lock file names a crate version the registry lacks.
    unlocked+=("wasm-bindgen-cli@$want")
  fi
  [ $((${#locked[@]} + ${#unlocked[@]})) -gt 0 ] || return 0
  local target="$CACHE_DIR/cargo-tools-target" started=$SECONDS
  say "cargo install ${locked[*]} ${unlocked[*]} (several minutes, once; sharing $target)"
  if [ ${#locked[@]} -gt 0 ]; then
    env -u RUSTUP_TOOLCHAIN CARGO_TARGET_DIR="$target" cargo install --locked --force "${locked[@]}"
  fi
  if [ ${#unlocked[@]} -gt 0 ]; then
    env -u RUSTUP_TOOLCHAIN CARGO_TARGET_DIR="$target" cargo install --force "${unlocked[@]}"
  fi
  say "installed ${locked[*]} ${unlocked[*]} in $((SECONDS - started)) s"
}

# 3. npm packages (binaryen for wasm-opt, puppeteer-core, selenium-webdriver, ...), only
# when the lock changed. `dir` is a folder with a package-lock.json.
npm_ci_if_changed() {
  local dir=$1 what=$2 stamp sum
  stamp=$dir/node_modules/.updox-setup-stamp
  sum=$(sha256sum "$dir/package-lock.json" | awk '{print $1}')
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
    say "skip $what: node_modules matches package-lock.json"
  else
    say "$what"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$sum" >"$stamp"
  fi
}
setup_npm() {
  npm_ci_if_changed . "npm ci"
}

# The Node.js LTS from the npm registry (scripts/node-lts/package-lock.json), into the
# project, so that `npm test` also runs the Node-side suites under it.
setup_node_lts() {
  if ! updox_wants_node_lts; then
    say "skip Node.js $UPDOX_NODE_LTS_MAJOR: the system Node is $(node --version) on $(uname -s)-$(uname -m)"
    return
  fi
  npm_ci_if_changed scripts/node-lts "npm ci in scripts/node-lts (Node.js $UPDOX_NODE_LTS_MAJOR LTS)"
  "$UPDOX_NODE_LTS" --version >/dev/null || fail "scripts/node-lts: node does not run"
}

# 4. Debian's browser engines for the browser tests: Chromium and ChromeDriver, Firefox
# ESR, WebKitGTK's WebKitWebDriver (with MiniBrowser) and Xvfb for its display; Redis for
# the shared idempotency store's tests.
setup_system_packages() {
  local missing=()
  [ -x "$CHROMIUM_PATH" ] || missing+=(chromium)
  [ -x "$CHROMEDRIVER" ] || missing+=(chromium-driver)
  [ -x "$FIREFOX_PATH" ] || missing+=(firefox-esr)
  [ -x "$WEBKIT_DRIVER" ] || missing+=(webkit2gtk-driver)
  command -v Xvfb >/dev/null || missing+=(xvfb)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v exiftool >/dev/null || missing+=(libimage-exiftool-perl) # tests/photo.rs reads EXIF with it
  if [ ${#missing[@]} -eq 0 ]; then
    say "skip chromium, chromium-driver, firefox-esr, webkit2gtk-driver, xvfb, redis-server: present"
  else
    say "apt-get install ${missing[*]}"
    apt_install "${missing[@]}"
  fi
}

setup_wasm_toolchain
setup_clippy
setup_cargo_tools
setup_npm
setup_node_lts
setup_system_packages
say "ready (Rust toolchain: ${RUSTUP_TOOLCHAIN:-rustup default})"
