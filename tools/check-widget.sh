#!/usr/bin/env bash
# Fails unless widget/compiled/ (what the `samtykke` binary embeds) is exactly what widget/
# compiles to today: rebuilds the widget into a scratch directory and compares the bytes.
# A toolchain other than the one BUILD.toml names could give other bytes for the same sources,
# so then it fails too, naming both, rather than passing or failing on a comparison that proves
# nothing. Fix a stale build with: bash tools/build-widget.sh --commit
set -euo pipefail
SAMTYKKE_LOG_TAG=check-widget
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root=$(samtykke_repo_root)
cd "$root"
prefix=$(samtykke_prefix)
[ -f "$prefix/env.sh" ] || die "no toolchain in $prefix; run: bash tools/setup-toolchain.sh"
# shellcheck source=/dev/null
. "$prefix/env.sh"
compiled=widget/compiled

# The toolchain BUILD.toml names (every line but the hash), against this one.
recorded=$(grep -E '^(rustc|wasm_bindgen|wasm_opt|terser|std_from_source) = ' "$compiled/BUILD.toml" || true)
current=$(widget_toolchain "$(widget_std_source)")
if [ "$recorded" != "$current" ]; then
  die "widget/compiled/BUILD.toml was built with another toolchain, so its bytes cannot be checked here.
  recorded:
$(printf '%s\n' "$recorded" | sed 's/^/    /')
  this machine:
$(printf '%s\n' "$current" | sed 's/^/    /')
  Rebuild with this toolchain (bash tools/build-widget.sh --commit) or install the recorded one."
fi

log "the manifest's input hash is the current sources'"
cargo test --quiet -p samtykke-widget-compiled --test manifest

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
SAMTYKKE_WIDGET_OUT=$out bash tools/build-widget.sh
stale=0
for file in samtykke.js samtykke_bg.wasm; do
  if cmp -s "$out/$file" "$compiled/$file"; then
    log "$file: identical ($(wc -c < "$out/$file") bytes)"
  else
    warn "$file differs: committed $(wc -c < "$compiled/$file") bytes, rebuilt $(wc -c < "$out/$file") bytes"
    stale=1
  fi
done
[ "$stale" = 0 ] || die "widget/compiled/ is not what widget/ compiles to; run: bash tools/build-widget.sh --commit"
# The rebuilt files also serve the end-to-end tests that take --widget-dir target/widget.
mkdir -p target/widget
cp "$out/samtykke.js" "$out/samtykke_bg.wasm" target/widget/
log "widget/compiled/ is up to date"
