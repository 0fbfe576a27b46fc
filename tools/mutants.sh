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
# Groups of one package with the same test arguments share ONE cargo-mutants run (one tree copy,
# one baseline build); the figures are still reported per group, with each group's missed and
# timed-out mutants in MUTANTS_OUT/PACKAGE/mutants.out/GROUP.missed.txt / GROUP.timeout.txt.
#
# Knobs (environment): MUTANTS_JOBS (parallel builds, default 1: the machine has 2 shared cores),
# MUTANTS_OUT (where each package's mutants.out goes, default target/mutants),
# MUTANTS_RE (only the mutants whose name matches this regex, e.g. to rerun the missed ones),
# MUTANTS_TARGET (with one job: the target directory kept between runs, default
# MUTANTS_OUT/build-target; empty for a fresh one in the copy each run),
# MUTANTS_CAP (at most this many mutants per package run: more are sampled evenly with
# cargo-mutants' --shard, which takes every n-th; for CI's --in-diff),
# PROPTEST_CASES (cases per property test in each mutant's run, default 32 rather than proptest's 256: a
# mutant is usually caught by the first few cases, and the regular suite runs them all).
# Mutants build without debug info (CARGO_PROFILE_{DEV,TEST}_DEBUG=0, set here only): shorter links.
#
# It runs in a copy of the tree (cargo-mutants' default); the checkout itself is never modified.
# Exit status: 0 when no group has a missed mutant, 2 otherwise, 1 on error. Timeouts are listed
# but do not fail the run: they are mutants whose tests never finish (a loop that no longer
# advances), i.e. detected, unless the machine was too loaded for the 90 s floor; look at them.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

SAMTYKKE_LOG_TAG=mutants
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
REPO=$(samtykke_repo_root)
PREFIX=$(samtykke_prefix)
cd "$REPO"

JOBS=${MUTANTS_JOBS:-1}
# A cap that is not a number would otherwise be ignored by `[ -gt ]` and run everything.
if [ -n "${MUTANTS_CAP:-}" ] && ! [[ $MUTANTS_CAP =~ ^[1-9][0-9]*$ ]]; then
  die "MUTANTS_CAP must be a positive whole number, not '$MUTANTS_CAP'"
fi
export PROPTEST_CASES=${PROPTEST_CASES:-32}
OUT=${MUTANTS_OUT:-$REPO/target/mutants}

# ---- what is mutated, and which tests judge it ----------------------------------------------
# group | package | files (space-separated) | cargo test arguments (the tests that cover them)
#   [| packages whose tests run too, beside the mutated one (cargo-mutants --test-package)]
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
  # The failpoints and the two-rename fallback are only reached by killing a real
  # `samtykke build` (process-wide environment variables), which generator/tests/output_swap.rs
  # does: it judges this file too.
  "gen_output|samtykke-site|generator/site/src/output.rs|--lib --test output_swap|samtykke-site,samtykke"
  "gen_validate|samtykke-site|generator/site/src/validate.rs generator/site/src/validate/urls.rs generator/site/src/validate/gated.rs|--lib"
  "gen_markdown|samtykke-site|generator/site/src/markdown.rs|--lib"
)

# ---- equivalent mutants: no test can tell them apart from the real code ---------------------
# One regex per line (matched against cargo-mutants' mutant name, "file:line:col: replace …"),
# then " # " and why it is equivalent. Add a line only with a reason someone else can check.
EQUIVALENT=(
  'widget/contract/src/purge\.rs:67:18: replace \+= with -= in domains$ # `dots` is only compared with 0, and counting down from 0 is nonzero exactly when counting up is (a host name has far fewer than 2^31 dots)'
  'generator/site/src/validate/gated\.rs:187:28: replace \+ with \* in check_chunk$ # `.max(start + 1)` only matters if the text at `start` is `>` or a newline, and `start` is always a found `<name` or attribute, or the byte after a found `<`'
  'generator/site/src/output\.rs:443:35: replace match guard e\.kind\(\) == io::ErrorKind::NotFound with false in remove_tree$ # glibc'"'"'s readdir turns getdents64'"'"'s ENOENT (a folder removed while read) into the end of the folder, so the entries never yield NotFound here (tried with strace injecting ENOENT)'
  'generator/site/src/output\.rs:449:(35|44): .* in remove_tree$ # on file systems that fill d_type (ext4, tmpfs, overlayfs), DirEntry::file_type makes no system call and cannot fail, so neither its NotFound nor another error can be made to happen'
  'generator/site/src/output\.rs:335:9: replace lock::exclusive -> io::Result<Lock> with Ok\(Default::default\(\)\)$ # the #[cfg(not(unix))] lock: not compiled on Linux, where the tests run'
  'generator/site/src/output\.rs:393:9: replace swap::exchange -> io::Result<\(\)> with Ok\(\(\)\)$ # the exchange off Linux: not compiled on Linux, where the tests run'
  'widget/contract/src/purge\.rs:74:25: replace \|\| with && in domains$ # host ending in `.`: `numeric` is still true (reset at every dot), so the early return happens anyway; host without a dot: the loop below finds no parent to add, so the result is [""] either way'
)

usage() { sed -n '2,/^# shellcheck/{/^# shellcheck/!p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 1; }

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

# Groups of the same package and test arguments run in ONE cargo-mutants invocation (one
# --file per file): the tree is copied and the unmutated baseline built once for all of them,
# which is most of a small group's cost. The per-group figures are read back from
# outcomes.json, where every mutant names its file.
declare -A FILE_GROUP=()   # file -> group
declare -A RUN_FILES=()    # "package|test args" -> files of the selected groups
declare -A RUN_GROUPS=()   # "package|test args" -> the selected groups, in table order
RUN_ORDER=()
for row in "${GROUPS_TABLE[@]}"; do
  IFS='|' read -r group package files test_args test_packages <<< "$row"
  if [ ${#SELECTED[@]} -gt 0 ] &&
     ! printf '%s\n' "${SELECTED[@]}" | grep -qx -e "$group" -e "${group%%_*}"; then
    continue
  fi
  key="$package|$test_args|${test_packages:-}"
  [ -n "${RUN_GROUPS[$key]+set}" ] || RUN_ORDER+=("$key")
  RUN_GROUPS[$key]="${RUN_GROUPS[$key]:-} $group"
  RUN_FILES[$key]="${RUN_FILES[$key]:-} $files"
  for f in $files; do FILE_GROUP[$f]=$group; done
done
[ ${#RUN_ORDER[@]} -gt 0 ] || die "no group matches ${SELECTED[*]} (see GROUPS_TABLE in $0)"

# A mutant's build is one crate and one link: without debug info (for these builds only, not
# the workspace's profile) the link is much shorter, and the target directory much smaller.
export CARGO_PROFILE_DEV_DEBUG=0 CARGO_PROFILE_TEST_DEBUG=0
# With one job, the dependencies (serde, proptest, pulldown-cmark, …) are kept between runs in
# one target directory of our own, so a rerun (MUTANTS_RE) does not pay their cold build again.
# The tree's own crates still rebuild (the copy's path is new each run). Not with several jobs:
# their builds would queue on that directory's lock. MUTANTS_TARGET= (empty) turns it off.
if [ "$JOBS" = 1 ] && [ -n "${MUTANTS_TARGET-$OUT/build-target}" ]; then
  export CARGO_TARGET_DIR=${MUTANTS_TARGET-$OUT/build-target}
fi

# report OUTCOMES_JSON DIR GROUP=FILES…: one line per group ("group caught missed unviable
# timeout total seconds"), the baseline's seconds as group "baseline", and each group's missed
# and timed-out mutants in DIR/GROUP.missed.txt and DIR/GROUP.timeout.txt.
report() {
  python3 - "$@" <<'PY'
import json, sys
path, outdir, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
group_of, order = {}, []
for spec in specs:
    group, files = spec.split("=", 1)
    order.append(group)
    for f in files.split():
        group_of[f] = group
kinds = {"CaughtMutant": "caught", "MissedMutant": "missed", "Unviable": "unviable",
         "Timeout": "timeout"}
tally = {g: dict(caught=0, missed=0, unviable=0, timeout=0, total=0, secs=0.0, names={})
         for g in order}
baseline = 0.0
for o in json.load(open(path))["outcomes"]:
    secs = sum(p.get("duration", 0) for p in o.get("phase_results", []))
    scenario = o["scenario"]
    if not isinstance(scenario, dict) or "Mutant" not in scenario:
        baseline += secs
        continue
    m = scenario["Mutant"]
    t = tally[group_of[m["file"]]]
    kind = kinds.get(o["summary"], o["summary"])
    t[kind] = t.get(kind, 0) + 1
    t["total"] += 1
    t["secs"] += secs
    t["names"].setdefault(kind, []).append(m["name"])
for g in order:
    t = tally[g]
    for kind in ("missed", "timeout"):
        with open(f"{outdir}/{g}.{kind}.txt", "w") as f:
            f.writelines(n + "\n" for n in t["names"].get(kind, []))
    print(g, t["caught"], t["missed"], t["unviable"], t["timeout"], t["total"], round(t["secs"]))
print("baseline - - - - -", round(baseline))
PY
}

mkdir -p "$OUT"
SUMMARY=()
status=0
for key in "${RUN_ORDER[@]}"; do
  IFS='|' read -r package test_args test_packages <<< "$key"
  read -r -a groups <<< "${RUN_GROUPS[$key]}"
  file_args=()
  for f in ${RUN_FILES[$key]}; do file_args+=(--file "$f"); done
  # shellcheck disable=SC2206 # the test arguments are words on purpose
  test_words=($test_args)
  common=(--package "$package" "${file_args[@]}" "${exclude_args[@]}")
  # cargo-mutants 27.1 runs its baseline with the mutated package's tests only, and so fails on
  # a `--test` of another package: for such a group the baseline runs here instead (below), and
  # the mutants get a fixed test timeout.
  baseline=(--minimum-test-timeout 90)
  if [ -n "$test_packages" ]; then
    common+=(--test-package "$test_packages")
    baseline=(--baseline=skip --timeout 300 --build-timeout 900)
  fi
  [ -n "$diff_file" ] && common+=(--in-diff "$diff_file")
  if [ "$LIST" = 1 ]; then
    "$MUTANTS_BIN" mutants --list "${common[@]}"
    continue
  fi
  [ -n "${MUTANTS_RE:-}" ] && common+=(--re "$MUTANTS_RE")
  listed=$("$MUTANTS_BIN" mutants --list "${common[@]}" 2>/dev/null) ||
    die "$package: cargo mutants --list failed"
  count=$(grep -c . <<< "$listed" || true)
  if [ "$count" = 0 ]; then
    # --in-diff on a change that touches none of the package's listed files (or only tests).
    log "${groups[*]}: no mutants to test"
    continue
  fi
  if [ -n "${MUTANTS_CAP:-}" ] && [ "$count" -gt "$MUTANTS_CAP" ]; then
    shards=$(( (count + MUTANTS_CAP - 1) / MUTANTS_CAP ))
    log "$count mutants, more than MUTANTS_CAP=$MUTANTS_CAP: every ${shards}th (--shard 0/$shards)"
    common+=(--shard "0/$shards" --sharding round-robin)
  fi
  if [ -n "$test_packages" ]; then
    pkg_args=()
    IFS=',' read -r -a pkgs <<< "$test_packages"
    for p in "${pkgs[@]}"; do pkg_args+=(-p "$p"); done
    log "${groups[*]}: baseline, cargo test ${pkg_args[*]} $test_args"
    # In the checkout's own target directory and profile: the kept one holds the copies'
    # builds, which cargo may take for this tree's.
    baseline_log=$OUT/$package.baseline.log
    env -u CARGO_TARGET_DIR -u CARGO_PROFILE_DEV_DEBUG -u CARGO_PROFILE_TEST_DEBUG \
      cargo test -q "${pkg_args[@]}" "${test_words[@]}" >"$baseline_log" 2>&1 ||
      die "the unmutated tree fails: cargo test ${pkg_args[*]} $test_args (see $baseline_log)"
  fi
  run_out=$OUT/$package
  started=$SECONDS
  log "${groups[*]}: one cargo mutants -p $package run (tests: cargo test $test_args${test_packages:+ in $test_packages})"
  set +e
  "$MUTANTS_BIN" mutants "${common[@]}" --jobs "$JOBS" --copy-target=false \
    "${baseline[@]}" --output "$run_out" --no-shuffle -- "${test_words[@]}"
  rc=$?
  set -e
  # 0: all caught; 2: missed; 3: timeouts; 4: the baseline failed. Anything else is an error.
  # With both missed mutants and timeouts it exits 3, so the missed count decides (below).
  case $rc in 0|2|3) ;; *) die "$package: cargo-mutants exited $rc (see $run_out/mutants.out)";; esac
  outcome=$run_out/mutants.out/outcomes.json
  [ -f "$outcome" ] || die "$package: no $outcome"
  specs=()
  for g in "${groups[@]}"; do
    gfiles=()
    for f in "${!FILE_GROUP[@]}"; do [ "${FILE_GROUP[$f]}" = "$g" ] && gfiles+=("$f"); done
    specs+=("$g=${gfiles[*]}")
  done
  while read -r group caught missed unviable timeout total secs; do
    SUMMARY+=("$(printf '%-16s %6s %6s %8s %7s %6s %5ss' "$group" "$caught" "$missed" "$unviable" "$timeout" "$total" "$secs")")
    [ "$missed" = 0 ] || [ "$missed" = - ] || status=2
    for kind in missed timeout; do
      if [ -s "$run_out/mutants.out/$group.$kind.txt" ]; then
        warn "$group: $kind mutants:"
        sed 's/^/    /' "$run_out/mutants.out/$group.$kind.txt" >&2
      fi
    done
  done < <(report "$outcome" "$run_out/mutants.out" "${specs[@]}")
  SUMMARY+=("$(printf '%-16s %s' "($package)" "wall time $((SECONDS - started))s for the run above")")
done

if [ ${#SUMMARY[@]} -gt 0 ]; then
  printf '%-16s %6s %6s %8s %7s %6s %6s\n' group caught missed unviable timeout total time
  printf '%s\n' "${SUMMARY[@]}"
  printf 'equivalent (excluded): %d pattern(s) in tools/mutants.sh\n' "${#EQUIVALENT[@]}"
fi
exit $status
