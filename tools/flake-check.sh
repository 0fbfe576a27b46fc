#!/usr/bin/env bash
# Run the browser tests (everything that drives headless Chromium) N times back to back, optionally
# beside a CPU hog, and print a pass/fail table per suite: a test that waits on a wall-clock
# threshold instead of a condition shows up here as a run that fails on a loaded machine.
#
#   tools/flake-check.sh [-n RUNS] [--hog] [--out DIR] [SUITE...]
#
#   -n RUNS   runs of every suite (default 5)
#   --hog     run `stress-ng --cpu 1 --cpu-load 100` (one full core) beside the runs, stopped by
#             its PID on exit; on top of whatever else the machine is doing
#   --out DIR logs (one per run and suite), uptime before/after each run, and summary.txt
#             (default: a new directory under /tmp)
#   SUITE     any of: widget e2e-consent e2e-design e2e-embeds e2e-languages e2e-prefix
#             e2e-receipts e2e-standalone audit audit_recipes live_audit serve_browser hosting
#             (default: all)
#
# Everything is built once before the first run, so the runs time tests, not compiles. The
# receipts test gets a throw-away PostgreSQL on $SAMTYKKE_PG_PORT (default 55471, not the
# 55432 of tools/test.sh, so a server another checkout started is never touched), stopped on exit.
# Each suite run is capped at $FLAKE_SUITE_TIMEOUT seconds (default 1200): a hang is a failure.
# `kill -TERM` the script (not its children) to stop early: the suite under way finishes (uncounted),
# then the table of what ran is printed. Exit status: 0 when every run of every suite passed, else 1.
set -euo pipefail
SAMTYKKE_LOG_TAG=flake-check
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(samtykke_repo_root)"

ALL_SUITES=(widget e2e-consent e2e-design e2e-embeds e2e-languages e2e-prefix e2e-receipts
  e2e-standalone audit audit_recipes live_audit serve_browser hosting)
runs=5
hog=no
out=""
suites=()
while (($#)); do
  case "$1" in
    -n) runs=${2:?-n needs a number}; shift 2 ;;
    --hog) hog=yes; shift ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    -h | --help) sed -n '2,22p' "$0"; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) suites+=("$1"); shift ;;
  esac
done
((${#suites[@]})) || suites=("${ALL_SUITES[@]}")
for s in "${suites[@]}"; do
  [[ " ${ALL_SUITES[*]} " == *" $s "* ]] || die "unknown suite $s (one of: ${ALL_SUITES[*]})"
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "-n wants a positive number, not $runs"
out=${out:-$(mktemp -d /tmp/flake-check.XXXXXX)}
mkdir -p "$out"

# shellcheck disable=SC1091
source "$(samtykke_prefix)/env.sh"

# The command line of one suite, as tools/test.sh runs it.
suite_cmd() {
  case "$1" in
    widget) echo "wasm-cargo test -p samtykke-widget --target wasm32-unknown-unknown" ;;
    e2e-*) echo "cargo test -p samtykke-e2e --test ${1#e2e-} -- --test-threads=1" ;;
    # The ignored tests of live_audit and serve_browser are measurements, not checks.
    live_audit | serve_browser) echo "cargo test -p samtykke --test $1 -- --test-threads=1" ;;
    *) echo "cargo test -p samtykke --test $1 -- --include-ignored --test-threads=1" ;;
  esac
}

hog_pid=""
pg_started=no
cleanup() {
  if [[ -n "$hog_pid" ]]; then
    kill "$hog_pid" 2>/dev/null || true
    wait "$hog_pid" 2>/dev/null || true
  fi
  if [[ $pg_started == yes ]]; then bash tools/postgres.sh stop || true; fi
}
trap cleanup EXIT

if [[ " ${suites[*]} " == *" e2e-receipts "* ]]; then
  export SAMTYKKE_PG_PORT=${SAMTYKKE_PG_PORT:-55471}
  export SAMTYKKE_PG_STATE=${SAMTYKKE_PG_STATE:-/tmp/flake-check-postgres.env}
  if ! bash tools/postgres.sh status; then
    bash tools/postgres.sh start
    pg_started=yes
  fi
  # shellcheck disable=SC1090
  source "$SAMTYKKE_PG_STATE"
  export SAMTYKKE_TEST_POSTGRES_URL
fi
if [[ " ${suites[*]} " == *" hosting "* ]]; then bash tools/servers.sh install; fi

log "building once: the binary, then every suite's tests without running them"
cargo build --quiet -p samtykke
export SAMTYKKE_BIN=$PWD/target/debug/samtykke
for s in "${suites[@]}"; do
  # `--no-run` goes before the `--` that starts the test binary's own arguments.
  cmd=$(suite_cmd "$s")
  ${cmd%% -- *} --quiet --no-run
done

if [[ $hog == yes ]]; then
  command -v stress-ng >/dev/null || die "--hog needs stress-ng (apt-get install -y stress-ng)"
  stress-ng --cpu 1 --cpu-load 100 --quiet &
  hog_pid=$!
  log "CPU hog: stress-ng PID $hog_pid"
fi

declare -A result
failed=0
done_runs=0
timeout_s=${FLAKE_SUITE_TIMEOUT:-1200}

# The table of every suite over the runs so far (a run cut short shows `-` for suites it did not
# reach), the uptime log, and the overall count.
summary() {
  local s run n m total=0 ran=0
  printf '%-16s' suite
  for ((run = 1; run <= done_runs; run++)); do printf ' %-5s' "r$run"; done
  printf ' passed\n'
  for s in "${suites[@]}"; do
    printf '%-16s' "$s"
    n=0 m=0
    for ((run = 1; run <= done_runs; run++)); do
      printf ' %-5s' "${result[$run,$s]:--}"
      [[ -n ${result[$run,$s]:-} ]] && m=$((m + 1))
      [[ ${result[$run,$s]:-} == pass ]] && n=$((n + 1))
    done
    total=$((total + n)) ran=$((ran + m))
    printf ' %d/%d\n' "$n" "$m"
  done
  printf 'all: %d/%d suite runs passed (%d of %d runs started; hog: %s); logs in %s\n' \
    "$total" "$ran" "$done_runs" "$runs" "$hog" "$out"
  cat "$out/uptime.txt"
}
# Stopped before the end (a deadline, ^C): still print what ran, and fail.
trap 'log "interrupted"; summary | tee "$out/summary.txt"; exit 1' INT TERM

for ((run = 1; run <= runs; run++)); do
  done_runs=$run
  echo "run $run before: $(uptime)" | tee -a "$out/uptime.txt"
  t_run=$SECONDS
  for s in "${suites[@]}"; do
    logfile="$out/run$run-$s.log"
    t=$SECONDS
    # shellcheck disable=SC2046 # the command line is split into words on purpose
    if timeout "$timeout_s" $(suite_cmd "$s") >"$logfile" 2>&1; then
      result[$run,$s]=pass
    else
      result[$run,$s]=FAIL
      failed=1
      # Name the failing tests in the table's log line, from libtest's summary.
      names=$(sed -n 's/^    \([a-z_0-9:]*\)$/\1/p' "$logfile" | sort -u | tr '\n' ' ')
      log "run $run $s FAILED: ${names:-see $logfile}"
    fi
    log "run $run $s ${result[$run,$s]} in $((SECONDS - t)) s"
  done
  echo "run $run after:  $(uptime)   wall $((SECONDS - t_run)) s" | tee -a "$out/uptime.txt"
done

summary | tee "$out/summary.txt"
exit "$failed"
