#!/usr/bin/env bash
# Runs every benchmark and rewrites bench/results/: the generator against Zola and Hugo, then the
# widget against four npm consent banners, then the chart. See bench/README.md.
#
#   bash bench/run.sh
#
# Knobs (environment): GENERATOR_RUNS (alternating pairs per size, default 5), WIDGET_RUNS (runs
# per contestant, default 10), BENCH_SKIP_BUILD=1 (benchmark the samtykke binary and widget already
# in target/ instead of building them), BENCH_OUT (where the generators write, default bench/out),
# ZOLA_BIN (a zola binary: Zola is not on the package registries, so build it from its source
# with `cargo build --release --locked`; without it the generator is compared with Hugo only).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
log() { printf '[bench %4ds] %s\n' "$SECONDS" "$*"; }

# Tools from Debian: Hugo is the reference, GNU time measures peak RSS, Chromium runs the pages.
missing=()
command -v hugo >/dev/null || missing+=(hugo)
[ -x /usr/bin/time ] || missing+=(time)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "missing: ${missing[*]} (apt-get install them as root)" >&2; exit 1; }
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  log "cargo build --release -p samtykke"
  cargo build --release -p samtykke
  # The widget build needs the project's toolchain (wasm32 std, wasm-bindgen, wasm-opt).
  bash tools/setup-toolchain.sh
  bash tools/build-widget.sh
fi

# The browser driver's two Python packages, in a venv of the cache.
venv=bench/cache/venv
if ! "$venv/bin/python" -c 'import websocket, brotli' 2>/dev/null; then
  log "creating $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check websocket-client==1.9.2 brotli==1.2.1
fi

log "generator: samtykke against zola (when ZOLA_BIN or PATH has it) and hugo"
python3 bench/bench_generator.py --runs "${GENERATOR_RUNS:-5}"
log "widget: samtykke against the npm consent banners"
"$venv/bin/python" bench/bench_widget.py --runs "${WIDGET_RUNS:-10}"
python3 bench/chart.py
log "done: bench/results/"
