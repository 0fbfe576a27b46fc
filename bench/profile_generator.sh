#!/usr/bin/env bash
# Where `samtykke build` spends its time on the 10,000-page synthetic site: perf with call graphs
# (DWARF unwinding: the release binary has no frame pointers), summarised as the share of samples
# under each function, callees included. Not part of run.sh; run it when the ratios move.
#
#   bash bench/profile_generator.sh [pages]      # default 10000; needs perf (apt-get install linux-perf)
#
# Writes bench/results/profile-generator.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
pages=${1:-10000}
site=bench/cache/sites/profile-$pages
out=${BENCH_OUT:-bench/out}/profile-$$
command -v perf >/dev/null || { echo "perf not found (apt-get install linux-perf)" >&2; exit 1; }
[ -x target/release/samtykke ] || cargo build --release -p samtykke
mkdir -p bench/cache/bin bench/results
cp target/release/samtykke bench/cache/bin/samtykke-profile
python3 bench/gen_sites.py --pages "$pages" --out "$site"
trap 'rm -rf "$out" bench/cache/perf.data' EXIT

perf record -q -F 499 --call-graph dwarf,16384 -o bench/cache/perf.data -- \
  bench/cache/bin/samtykke-profile --root "$site/samtykke" build --no-widget --out "$out"
{
  echo "# samtykke build, $pages pages: share of samples under each function (callees included)"
  echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1 /proc/loadavg)"
  echo
  echo "## user space against kernel"
  perf report -i bench/cache/perf.data --no-children --sort dso --stdio -g none 2>/dev/null | grep '%' | head -5
  echo
  echo "## the generator's own functions"
  perf report -i bench/cache/perf.data --children --sort symbol --stdio -g none --percent-limit 1 2>/dev/null |
    grep '%' | grep -E 'samtykke::|tera::tera|pulldown_cmark::|toml::|memcmp|std::fs::' | sed 's/ \+- \+- *$//'
  echo
  echo "## who calls memcmp (string comparisons)"
  perf report -i bench/cache/perf.data --no-children --sort symbol --stdio -G --percent-limit 0.5 \
    -S __memcmp_evex_movbe,__memcmp_avx2_movbe 2>/dev/null | grep -E '[0-9]+\.[0-9]+%' | head -12
} | tee bench/results/profile-generator.txt
