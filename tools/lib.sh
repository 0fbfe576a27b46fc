# shellcheck shell=bash
# Shared helpers for the scripts in tools/. Source it, don't run it.
# Defines functions only, plus SAMTYKKE_T0 (start time for the elapsed-seconds prefix).

SAMTYKKE_T0=${SAMTYKKE_T0:-$SECONDS}
: "${SAMTYKKE_LOG_TAG:=samtykke}"

# Progress lines carry elapsed seconds so slow steps stand out in CI logs.
log()  { printf '[%s %4ds] %s\n' "$SAMTYKKE_LOG_TAG" "$((SECONDS - SAMTYKKE_T0))" "$*"; }
warn() { log "WARNING: $*" >&2; }
die()  { log "ERROR: $*" >&2; exit 1; }

# Repository root, found from the calling script's location so it works from any cwd.
samtykke_repo_root() { (cd "$(dirname "${BASH_SOURCE[1]}")/.." && pwd); }

# The toolchain prefix shared by setup-toolchain.sh and everything that uses it.
samtykke_prefix() { printf '%s\n' "${SAMTYKKE_TOOLCHAIN:-/opt/samtykke-toolchain}"; }

# lock_version CRATE LOCKFILE: the version Cargo.lock records for CRATE (empty if absent).
# Cargo.lock always writes `version` on the line right after `name`.
lock_version() {
  awk -v want="name = \"$1\"" '$0 == want { getline; gsub(/^version = "|"$/, ""); print; exit }' "$2"
}

# widget_toolchain STD_FROM_SOURCE: the lines of widget/compiled/BUILD.toml that name what
# compiles the widget, in the form tools/check-widget.sh compares (needs the toolchain's env.sh).
widget_toolchain() {
  printf 'rustc = "%s"\n' "$(rustc --version)"
  printf 'wasm_bindgen = "%s"\n' "$(wasm-bindgen --version)"
  printf 'wasm_opt = "%s"\n' "$(wasm-opt --version)"
  printf 'terser = "%s"\n' "$("$(samtykke_prefix)/node/node_modules/.bin/terser" --version)"
  printf 'std_from_source = "%s"\n' "$1"
}

# widget_std_source: yes when the widget's std is built from source (see build-widget.sh).
widget_std_source() {
  if [ "${SAMTYKKE_WASM_MODE:-}" = debian ] ||
    [ -f "$(rustc --print sysroot)/lib/rustlib/src/rust/library/std/Cargo.toml" ]; then
    echo yes
  else
    echo no
  fi
}
