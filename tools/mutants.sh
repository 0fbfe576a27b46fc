#!/usr/bin/env bash
# Mutation testing of the core with cargo-mutants: small bugs are put into the code one at a
# time, and the tests must fail for each. A mutant that survives ("missed") is a behaviour no
# test pins down. Results and the figures of the last full run: bench/results/mutants.md.
#
#   bash tools/mutants.sh                  # every group below, one after the other
#   bash tools/mutants.sh widget           # the widget's files; `gen` for the generator's;
#                                          #   or one group by name (widget_json, gen_csp, …)
#   bash tools/mutants.sh --in-diff [REV]  # only mutants on lines changed since REV
#                                          #   (default: origin/main if it exists, else HEAD~1)
#   bash tools/mutants.sh --list [GROUP]   # the mutants, without running anything
#
# Knobs (environment): MUTANTS_JOBS (parallel builds, default 1: the machine has 2 shared cores),
# MUTANTS_OUT (where each group's mutants.out goes, default target/mutants), PROPTEST_CASES
# MUTANTS_RE (only the mutants whose name matches this regex, e.g. to rerun the missed ones),
# PROPTEST_CASES (cases per property test in each mutant's run, default 32 rather than proptest's 256: a
# mutant is usually caught by the first few cases, and the regular suite runs them all).
#
# It runs in a copy of the tree (cargo-mutants' default) with its own target/ (a copy of the
# workspace target/ would need as much disk again); the checkout itself is never modified.
# Exit status: 0 when no group has a missed mutant or a timeout, 2 otherwise, 1 on error.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

SAMTYKKE_LOG_TAG=mutants
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
REPO=$(samtykke_repo_root)
PREFIX=$(samtykke_prefix)
cd "$REPO"

JOBS=${MUTANTS_JOBS:-1}
export PROPTEST_CASES=${PROPTEST_CASES:-32}
OUT=${MUTANTS_OUT:-$REPO/target/mutants}

# ---- what is mutated, and which tests judge it ----------------------------------------------
# group | package | files (space-separated) | cargo test arguments (the tests that cover them)
GROUPS_TABLE=(
  "widget_record|samtykke-contract|widget/contract/src/record.rs|--lib"
  "widget_validity|samtykke-contract|widget/contract/src/validity.rs|--lib"
  "widget_grant|samtykke-contract|widget/contract/src/grant.rs|--lib"
  "widget_purge|samtykke-contract|widget/contract/src/purge.rs|--lib"
  "widget_pattern|samtykke-contract|widget/contract/src/pattern.rs|--lib"
  "widget_config|samtykke-contract|widget/contract/src/config.rs|--lib"
  "widget_json|samtykke-contract|widget/contract/src/json.rs|--lib"
  "gen_revision|samtykke-site|generator/site/src/widget_config.rs|--lib"
  "gen_csp|samtykke-site|generator/site/src/render/csp.rs|--lib"
  "gen_output|samtykke-site|generator/site/src/output.rs|--lib"
  "gen_validate|samtykke-site|generator/site/src/validate.rs generator/site/src/validate/urls.rs generator/site/src/validate/gated.rs|--lib"
  "gen_markdown|samtykke-site|generator/site/src/markdown.rs|--lib"
)

# ---- equivalent mutants: no test can tell them apart from the real code ---------------------
# One regex per line (matched against cargo-mutants' mutant name, "file:line:col: replace …"),
# then " # " and why it is equivalent. Add a line only with a reason someone else can check.
EQUIVALENT=(
)

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 1; }

MODE=run
LIST=0
DIFF_BASE=
SELECTED=()
while [ $# -gt 0 ]; do
  case $1 in
    --in-diff)
      MODE=diff
      if [ $# -gt 1 ] && [ "${2#-}" = "$2" ] && git rev-parse -q --verify "$2^{commit}" >/dev/null; then
        DIFF_BASE=$2; shift
      fi ;;
    --list) LIST=1 ;;
    -h|--help) usage ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) SELECTED+=("$1") ;;
  esac
  shift
done

# cargo-mutants from the toolchain prefix; installed on first use.
MUTANTS_BIN=$PREFIX/cargo-mutants/bin/cargo-mutants
if [ ! -x "$MUTANTS_BIN" ]; then
  log "cargo-mutants is not installed: running tools/setup-toolchain.sh with SAMTYKKE_MUTANTS=1"
  SAMTYKKE_MUTANTS=1 bash "$REPO/tools/setup-toolchain.sh"
fi
[ -x "$MUTANTS_BIN" ] || die "no $MUTANTS_BIN after setup"

exclude_args=()
for line in "${EQUIVALENT[@]}"; do
  exclude_args+=(--exclude-re "${line%% # *}")
done

diff_file=
if [ "$MODE" = diff ]; then
  if [ -z "$DIFF_BASE" ]; then
    if git rev-parse -q --verify origin/main >/dev/null; then DIFF_BASE=origin/main; else DIFF_BASE=HEAD~1; fi
  fi
  diff_file=$(mktemp)
  trap 'rm -f "$diff_file"' EXIT
  git diff "$DIFF_BASE" -- '*.rs' > "$diff_file"
  log "mutating only lines changed since $DIFF_BASE ($(grep -c '^+++ ' "$diff_file" || true) files)"
fi

# Reads a group's outcomes.json into "caught missed unviable timeout total".
counts() {
  python3 - "$1" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
print(o.get("caught", 0), o.get("missed", 0), o.get("unviable", 0), o.get("timeout", 0),
      o.get("total_mutants", 0))
PY
}

mkdir -p "$OUT"
SUMMARY=()
status=0
for row in "${GROUPS_TABLE[@]}"; do
  IFS='|' read -r group package files test_args <<< "$row"
  if [ ${#SELECTED[@]} -gt 0 ] &&
     ! printf '%s\n' "${SELECTED[@]}" | grep -qx -e "$group" -e "${group%%_*}"; then
    continue
  fi
  file_args=()
  for f in $files; do file_args+=(--file "$f"); done
  # shellcheck disable=SC2206 # the test arguments are words on purpose
  test_words=($test_args)
  common=(--package "$package" "${file_args[@]}" "${exclude_args[@]}")
  [ -n "$diff_file" ] && common+=(--in-diff "$diff_file")
  if [ "$LIST" = 1 ]; then
    "$MUTANTS_BIN" mutants --list "${common[@]}"
    continue
  fi
  [ -n "${MUTANTS_RE:-}" ] && common+=(--re "$MUTANTS_RE")
  started=$SECONDS
  log "$group: cargo mutants -p $package on $files (tests: cargo test $test_args)"
  set +e
  "$MUTANTS_BIN" mutants "${common[@]}" --jobs "$JOBS" --copy-target=false \
    --minimum-test-timeout 90 --output "$OUT/$group" --no-shuffle -- "${test_words[@]}"
  rc=$?
  set -e
  # 0: all caught; 2: missed; 3: timeouts; 4: the baseline failed. Anything else is an error.
  case $rc in 0|2|3) ;; *) die "$group: cargo-mutants exited $rc (see $OUT/$group/mutants.out)";; esac
  [ $rc = 0 ] || status=2
  outcome=$OUT/$group/mutants.out/outcomes.json
  if [ -f "$outcome" ]; then
    read -r caught missed unviable timeout total < <(counts "$outcome")
  else
    caught=0 missed=0 unviable=0 timeout=0 total=0
  fi
  SUMMARY+=("$(printf '%-16s %6s %6s %8s %7s %6s %5ss' "$group" "$caught" "$missed" "$unviable" "$timeout" "$total" "$((SECONDS - started))")")
  if [ -s "$OUT/$group/mutants.out/missed.txt" ]; then
    warn "$group: missed mutants:"
    sed 's/^/    /' "$OUT/$group/mutants.out/missed.txt" >&2
  fi
done

if [ ${#SUMMARY[@]} -gt 0 ]; then
  printf '%-16s %6s %6s %8s %7s %6s %6s\n' group caught missed unviable timeout total time
  printf '%s\n' "${SUMMARY[@]}"
  printf 'equivalent (excluded): %d pattern(s) in tools/mutants.sh\n' "${#EQUIVALENT[@]}"
fi
exit $status
