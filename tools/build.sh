#!/usr/bin/env bash
# Build the whole site into dist/ on a fresh machine: install missing tools, compile the widget
# to WASM, then run the generator. Extra arguments go to `samtykke build` (e.g. --out DIR).
set -euo pipefail
SAMTYKKE_LOG_TAG=build
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(samtykke_repo_root)"

bash tools/setup-toolchain.sh
bash tools/build-widget.sh
log "building the site"
cargo run --release --quiet -p samtykke -- build "$@"
