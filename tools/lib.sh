# shellcheck shell=bash
# Shared helpers for the scripts in tools/. Source it, don't run it.
# Defines functions only, plus SAMTYKKE_T0 (start time for the elapsed-seconds prefix).

SAMTYKKE_T0=${SAMTYKKE_T0:-$SECONDS}
: "${SAMTYKKE_LOG_TAG:=samtykke}"

# Progress lines carry elapsed seconds so slow steps stand out in CI logs.
log()  { printf '[%s %4ds] %s\n' "$SAMTYKKE_LOG_TAG" "$((SECONDS - SAMTYKKE_T0))" "$*"; }
warn() { log "WARNING: $*" >&2; }
die()  { log "ERROR: $*" >&2; exit 1; }

# Repository root, found from the calling script's location so it works from any cwd.
samtykke_repo_root() { (cd "$(dirname "${BASH_SOURCE[1]}")/.." && pwd); }

# The toolchain prefix shared by setup-toolchain.sh and everything that uses it.
samtykke_prefix() { printf '%s\n' "${SAMTYKKE_TOOLCHAIN:-/opt/samtykke-toolchain}"; }

# lock_version CRATE LOCKFILE: the version Cargo.lock records for CRATE (empty if absent).
# Cargo.lock always writes `version` on the line right after `name`.
lock_version() {
  awk -v want="name = \"$1\"" '$0 == want { getline; gsub(/^version = "|"$/, ""); print; exit }' "$2"
}
