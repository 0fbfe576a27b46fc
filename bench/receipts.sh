#!/usr/bin/env bash
# The receipts service under load, on loopback: 10,000 receipts from 50 concurrent clients
# against SQLite and against PostgreSQL, then the same with kill -9 in the middle and a restart.
# Prints a markdown table and writes it into bench/results/receipts.md. No figure is asserted;
# the run fails only if an acknowledged receipt is missing from the database.
#
#   bash bench/receipts.sh
#
# Knobs: RECEIPTS_TOTAL (default 10000), RECEIPTS_CLIENTS (50), RECEIPTS_KILL_AFTER (3000),
# BENCH_SKIP_BUILD=1 (use target/release as it is).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
log() { printf '[bench %4ds] %s\n' "$SECONDS" "$*"; }

total=${RECEIPTS_TOTAL:-10000}
clients=${RECEIPTS_CLIENTS:-50}
kill_after=${RECEIPTS_KILL_AFTER:-3000}

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  log "cargo build --release -p samtykke-receipts --bins --examples"
  cargo build --release -p samtykke-receipts --bins --examples
fi

# A server this script starts, it stops; one already running (a developer's) is left alone.
if ! bash tools/postgres.sh status; then
  log "PostgreSQL: a throw-away server on loopback (tools/postgres.sh), stopped on exit"
  bash tools/postgres.sh start
  trap 'bash tools/postgres.sh stop' EXIT
fi
pg_url=$(bash tools/postgres.sh url)

load=target/release/examples/load
rows=()
for db in sqlite "$pg_url"; do
  args=(--total "$total" --clients "$clients")
  [ "$db" = sqlite ] || args+=(--database "$db")
  log "load: $total receipts, $clients clients, ${db%%:*}"
  rows+=("$("$load" "${args[@]}")")
  log "kill -9 after $kill_after acknowledged, restart, check: ${db%%:*}"
  rows+=("$("$load" "${args[@]}" --kill-after "$kill_after")")
done

out=bench/results/receipts.md
{
  echo "# Receipts service under load"
  echo
  echo "\`bash bench/receipts.sh\` on $(date -u +%Y-%m-%d), $(nproc) shared cores, release build,"
  echo "service and clients on the same machine over loopback. SQLite in WAL mode with"
  echo "\`synchronous=FULL\` (each acknowledged receipt is fsynced); PostgreSQL $(
    find /usr/lib/postgresql -maxdepth 1 -mindepth 1 -printf '%f\n' | sort -V | tail -n 1
  ) with fsync on, a fresh database per run."
  echo
  echo "| database | receipts | clients | kill -9 | acknowledged (2xx) | not acknowledged | seconds | receipts/s | p50 ms | p99 ms | in the database | acknowledged but lost |"
  echo "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
} >"$out"
cat "$out"
