#!/usr/bin/env bash
# Prints which of samtykke-audit's modules each module uses (`crate::x` or `super::x` outside
# tests) and fails if the graph has a cycle. lib.rs is the root and may use every module.
set -euo pipefail
src="$(cd "$(dirname "$0")/../src" && pwd)"
declare -A deps
mods=()
for f in "$src"/*.rs; do
  m=$(basename "$f" .rs)
  [ "$m" = lib ] && continue
  mods+=("$m")
  # Only the code before the test module counts.
  body=$(awk '/^#\[cfg\(test\)\]/{exit} {print}' "$f")
  used=$(grep -oE '(crate|super)::[a-z_]+' <<<"$body" | sed -E 's/^(crate|super):://' | sort -u | grep -vx "$m" || true)
  deps[$m]=$(tr '\n' ' ' <<<"$used")
  printf '%-8s -> %s\n' "$m" "${deps[$m]:-(none)}"
done
# Depth-first search for a cycle.
declare -A state
cycle=""
visit() {
  local m=$1
  state[$m]=active
  for d in ${deps[$m]:-}; do
    [ -n "${deps[$d]+x}" ] || continue
    if [ "${state[$d]:-}" = active ]; then cycle="$d … $m -> $d"; return 1; fi
    if [ -z "${state[$d]:-}" ]; then visit "$d" || return 1; fi
  done
  state[$m]=done
}
for m in "${mods[@]}"; do
  if [ -z "${state[$m]:-}" ]; then
    visit "$m" || { echo "cycle: $cycle" >&2; exit 1; }
  fi
done
echo "no cycles"
