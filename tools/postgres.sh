#!/usr/bin/env bash
# A throw-away PostgreSQL for the receipts tests, on loopback only.
#   tools/postgres.sh start   install postgresql from Debian if missing, create a data directory
#                             under a temporary directory, start the server on 127.0.0.1:$PORT,
#                             and write its PID and URL to $STATE (a file `source` can read)
#   tools/postgres.sh stop    stop the server by its PID and delete the data directory
#   tools/postgres.sh url     print the URL of the running server
#   tools/postgres.sh status  exit 0 if the server of $STATE is running
# PORT is $SAMTYKKE_PG_PORT or 55432 (not 5432, so a system server is never touched); STATE is
# $SAMTYKKE_PG_STATE or /tmp/samtykke-postgres.env.
set -euo pipefail
SAMTYKKE_LOG_TAG=postgres
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=${SAMTYKKE_PG_PORT:-55432}
STATE=${SAMTYKKE_PG_STATE:-/tmp/samtykke-postgres.env}

pg_bin() {
  local dir
  dir=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
  [[ -n "$dir" && -x "$dir/initdb" ]] && printf '%s\n' "$dir"
}

# Runs a command as the postgres user when we are root (initdb and the server refuse root),
# else as ourselves.
as_pg() {
  if [[ $(id -u) == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

start() {
  if [[ -f "$STATE" ]]; then
    # shellcheck disable=SC1090
    source "$STATE"
    if alive "${PG_PID:-}"; then
      log "already running (PID $PG_PID): $SAMTYKKE_TEST_POSTGRES_URL"
      return 0
    fi
    rm -f "$STATE"
  fi
  local bin
  if ! bin=$(pg_bin); then
    [[ $(id -u) == 0 ]] || die "postgresql is not installed; run as root or: apt-get install postgresql"
    log "installing postgresql from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin=$(pg_bin) || die "postgresql installed, but no initdb under /usr/lib/postgresql"
  fi
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/samtykke-pg.XXXXXX")
  [[ $(id -u) == 0 ]] && chown postgres: "$dir"
  as_pg "$bin/initdb" --pgdata="$dir/data" --auth=trust --username=postgres --no-sync \
    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # Loopback only, the socket in the temporary directory, fsync on (the fault tests rely on
  # acknowledged commits being on disk).
  as_pg "$bin/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait --timeout=60 \
    -o "-p $PORT -c listen_addresses=127.0.0.1 -k $dir -c max_connections=200" start >/dev/null \
    || { cat "$dir/server.log" >&2; die "the server did not start on 127.0.0.1:$PORT"; }
  local pid
  pid=$(head -n 1 "$dir/data/postmaster.pid")
  as_pg "$bin/createdb" --host=127.0.0.1 --port="$PORT" --username=postgres samtykke_test
  local url="postgres://postgres@127.0.0.1:$PORT/samtykke_test"
  {
    printf 'PG_PID=%q\n' "$pid"
    printf 'PG_DIR=%q\n' "$dir"
    printf 'SAMTYKKE_TEST_POSTGRES_URL=%q\n' "$url"
  } >"$STATE"
  log "running (PID $pid): $url"
}

stop() {
  [[ -f "$STATE" ]] || { log "not running (no $STATE)"; return 0; }
  # shellcheck disable=SC1090
  source "$STATE"
  if alive "${PG_PID:-}"; then
    # SIGINT is PostgreSQL's fast shutdown: it ends sessions and stops cleanly.
    kill -INT "$PG_PID"
    local deadline=$((SECONDS + 60))
    while alive "$PG_PID" && ((SECONDS < deadline)); do sleep 0.2; done
    if alive "$PG_PID"; then
      warn "PID $PG_PID still running after 60 s; killing it"
      kill -KILL "$PG_PID" 2>/dev/null || true
    fi
  fi
  [[ -n "${PG_DIR:-}" && "$PG_DIR" == */samtykke-pg.* ]] && rm -rf "$PG_DIR"
  rm -f "$STATE"
  log "stopped"
}

running() {
  [[ -f "$STATE" ]] || return 1
  # shellcheck disable=SC1090
  source "$STATE"
  alive "${PG_PID:-}"
}

case "${1:-}" in
  start) start ;;
  status) running ;;
  stop) stop ;;
  url)
    # shellcheck disable=SC1090
    source "$STATE" && printf '%s\n' "$SAMTYKKE_TEST_POSTGRES_URL" ;;
  *) die "usage: tools/postgres.sh start|stop|status|url" ;;
esac
