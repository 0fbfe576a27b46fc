#!/usr/bin/env bash
# Where a `samtykke build` of the synthetic site spends its wall time, step by step: load (read,
# validate, Markdown), render+write (templates, .br/.gz and the staging tree, overlapped on every
# core; compress-cpu and write-cpu are the thread time of those two within it), and, for a
# rebuild, removal-lag: how long after the command returned its background process had removed
# the old tree. The binary prints its steps with SAMTYKKE_PHASES=1 (generator/site/src/phases.rs);
# this runs a clean build and a rebuild over its output, `runs` times each, and prints the median
# of every step. Complements profile_generator.sh, which says which functions burn CPU.
#
#   bash bench/phases_generator.sh [pages] [runs] [binary] [extra build args...]
#
# Defaults: 10000 pages, 3 runs, target/release/samtykke. Not part of run.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
pages=${1:-10000}
runs=${2:-3}
bin=${3:-target/release/samtykke}
shift $(($# < 3 ? $# : 3))
extra=("$@")
site=bench/cache/sites/profile-$pages
out=${BENCH_OUT:-bench/out}/phases-$$
[ -x "$bin" ] || { echo "$bin missing: cargo build --release -p samtykke" >&2; exit 1; }
[ -d "$site/samtykke" ] || python3 bench/gen_sites.py --pages "$pages" --out "$site" >/dev/null
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT

one() { # $1: scenario, $2: output dir
  local started ended
  started=$(date +%s.%N)
  SAMTYKKE_PHASES=1 "$bin" --root "$site/samtykke" build --no-widget --out "$2" "${extra[@]}" 2>&1 >/dev/null |
    sed -n "s/^phase /$1 /p"
  ended=$(date +%s.%N)
  echo "$1 total $(echo "$ended - $started" | bc)"
  # The old tree goes in the background: wait for it (untimed above) so the next run is not
  # charged for it.
  local parent name
  parent=$(dirname "$2") name=$(basename "$2")
  while compgen -G "$parent/.$name.*-*" >/dev/null; do sleep 0.02; done
  [ "$1" = rebuild ] && echo "$1 removal-lag $(echo "$(date +%s.%N) - $ended" | bc)"
  return 0
}

{
  for i in $(seq "$runs"); do
    one clean "$out/clean-$i"
  done
  # Rebuilds replace the last clean build's tree.
  for i in $(seq "$runs"); do
    one rebuild "$out/clean-$runs"
  done
} | python3 -c '
import sys, statistics, collections
seen = collections.defaultdict(list)
for line in sys.stdin:
    scenario, step, secs = line.split()
    seen[(scenario, step)].append(float(secs))
print("scenario step         median s  runs")
for (scenario, step), values in seen.items():
    print(f"{scenario:8} {step:12} {statistics.median(values):9.3f}  {len(values)}")
'
