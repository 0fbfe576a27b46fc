#!/usr/bin/env bash
# Run every test: formatting and lints, native unit/property/integration tests, the widget's
# DOM tests in headless Chromium, and the end-to-end tests against the built site.
set -euo pipefail
SAMTYKKE_LOG_TAG=test
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(samtykke_repo_root)"

bash tools/setup-toolchain.sh
# shellcheck disable=SC1091
source "$(samtykke_prefix)/env.sh"

log "formatting and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
wasm-cargo clippy -p samtykke-widget --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings

log "GitHub Actions workflows (actionlint, with shellcheck for run: steps if installed)"
actionlint .github/workflows/*.yml

log "PostgreSQL for the receipts tests: loopback, a throw-away data directory, stopped by PID on exit"
if ! bash tools/postgres.sh status; then
  bash tools/postgres.sh start
  trap 'bash tools/postgres.sh stop' EXIT
fi
# shellcheck disable=SC1091
source "${SAMTYKKE_PG_STATE:-/tmp/samtykke-postgres.env}"
export SAMTYKKE_TEST_POSTGRES_URL

log "native tests: model, validation, generator"
cargo test --workspace --exclude samtykke-e2e

log "widget DOM tests in headless Chromium"
wasm-cargo test -p samtykke-widget --target wasm32-unknown-unknown

log "the widget built into samtykke is what widget/ compiles to (and target/widget for --widget-dir)"
bash tools/check-widget.sh

log "end to end: the built site in headless Chromium"
# The standalone test copies this binary into an empty directory and runs it there.
cargo build --quiet -p samtykke
export SAMTYKKE_BIN=$PWD/target/debug/samtykke
cargo test -p samtykke-e2e -- --test-threads=1

log "audit: the Hesbynett site passes, each broken fixture fails with its violation named"
cargo test -p samtykke --test audit -- --include-ignored --test-threads=1

log "hosting: the built site on real nginx and Apache with the generated configuration"
bash tools/servers.sh install
cargo test -p samtykke --test hosting -- --include-ignored --test-threads=1

log "mutation testing of the lines this branch changes (tools/mutants.sh --in-diff, at most 24 mutants)"
# Against where the branch left origin/main; on main itself there is nothing to mutate. The full
# run (bench/results/mutants.md) takes hours on 2 cores and is not part of this.
base=$(git merge-base HEAD origin/main 2>/dev/null || true)
if [ -n "$base" ] && [ "$base" != "$(git rev-parse HEAD)" ]; then
  MUTANTS_CAP=${MUTANTS_CAP:-24} bash tools/mutants.sh --in-diff "$base"
else
  log "HEAD is origin/main, or there is no origin/main: no changed lines to mutate"
fi
