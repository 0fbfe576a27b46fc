#!/usr/bin/env bash
# Build the whole site into dist/. Needs only Rust: the consent widget is compiled into the
# `samtykke` binary (widget/compiled/), so no wasm toolchain, node or Chromium is installed here;
# those belong to tools/test.sh and to widget development (tools/build-widget.sh).
# Extra arguments go to `samtykke build` (e.g. --out DIR, --base-url URL).
set -euo pipefail
SAMTYKKE_LOG_TAG=build
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(samtykke_repo_root)"

command -v cargo >/dev/null || die "cargo not found; install Rust from https://rustup.rs"
log "building the site"
# Only what `build` needs: serve, audit and receipts (tokio, sqlx, a DevTools client) are left
# out, which more than halves a cold compile. `cargo install --path generator` has them all.
cargo run --release --quiet -p samtykke --no-default-features -- build "$@"
