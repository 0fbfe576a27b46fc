#!/usr/bin/env bash
# Real nginx and Apache on loopback, serving a built dist/ with the configuration `samtykke
# build` writes into it (.nginx.conf, .htaccess): for tests (generator/tests/hosting.rs) and the
# Lighthouse benchmark. Each server gets a throw-away prefix (config, logs, PID file) in STATE;
# the system configuration is never read or changed.
#
#   tools/servers.sh install                      apt-get install nginx and apache2 if missing
#   tools/servers.sh start nginx|apache DIST [PORT] [STATE] [PREFIX]
#   tools/servers.sh stop  nginx|apache [STATE]   stops the server by its PID file
#
# PORT defaults to 18080 (nginx) and 18081 (apache); STATE to /tmp/samtykke-servers/<server>.
# PREFIX (`/samtykke`) serves a site built for a base URL below a path: DIST must then end in
# PREFIX, and the server's web root is DIST without it, as on a host with several sites.
# DIST must be readable by www-data when run as root (the servers drop to it).
set -euo pipefail

die() {
  echo "servers.sh: $*" >&2
  exit 1
}

install() {
  local missing=()
  command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
  [[ -x /usr/sbin/apache2 ]] || missing+=(apache2)
  ((${#missing[@]} == 0)) && return 0
  [[ $(id -u) == 0 ]] || die "needs root to install ${missing[*]} (or install them yourself)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts the packaged services on port 80; the tests need none of them.
  for service in "${missing[@]}"; do
    service "$service" stop >/dev/null 2>&1 || true
  done
}

# Waits until the server answers on PORT (any HTTP status), or fails with its error log.
wait_up() {
  local name=$1 port=$2 state=$3
  for _ in $(seq 1 300); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
      return 0
    fi
    sleep 0.1
  done
  cat "$state"/error.log >&2 2>/dev/null || true
  die "$name did not answer on 127.0.0.1:$port within 30 s"
}

start_nginx() {
  local dist=$1 port=$2 state=$3 webroot=$4 user=""
  [[ -x /usr/sbin/nginx ]] || die "nginx is not installed: run tools/servers.sh install"
  [[ -f $dist/.nginx.conf ]] || die "$dist/.nginx.conf is missing: build the site first"
  [[ $(id -u) == 0 ]] && user="user www-data;"
  mkdir -p "$state/tmp"
  cat >"$state/nginx.conf" <<CONF
$user
worker_processes 1;
pid $state/nginx.pid;
error_log $state/error.log warn;
events { worker_connections 128; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log $state/access.log;
  client_body_temp_path $state/tmp/body;
  proxy_temp_path $state/tmp/proxy;
  fastcgi_temp_path $state/tmp/fastcgi;
  uwsgi_temp_path $state/tmp/uwsgi;
  scgi_temp_path $state/tmp/scgi;
  server_tokens off;
  sendfile on;
  server {
    listen 127.0.0.1:$port;
    server_name localhost;
    root $webroot;
    include $dist/.nginx.conf;
  }
}
CONF
  /usr/sbin/nginx -t -q -e "$state/error.log" -p "$state" -c "$state/nginx.conf" ||
    die "nginx refuses the configuration; see $state/error.log"
  /usr/sbin/nginx -e "$state/error.log" -p "$state" -c "$state/nginx.conf"
  wait_up nginx "$port" "$state"
}

start_apache() {
  local dist=$1 port=$2 state=$3 webroot=$4 modules=/usr/lib/apache2/modules user=""
  [[ -x /usr/sbin/apache2 ]] || die "apache2 is not installed: run tools/servers.sh install"
  [[ -f $dist/.htaccess ]] || die "$dist/.htaccess is missing: build the site first"
  [[ $(id -u) == 0 ]] && user=$'User www-data\nGroup www-data'
  mkdir -p "$state"
  # Like shared hosting: the server only allows .htaccess overrides, and everything about this
  # site (headers, types, encodings, the error page, refusing config files) comes from there.
  cat >"$state/httpd.conf" <<CONF
ServerRoot $state
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile $state/apache.pid
ErrorLog $state/error.log
LogLevel warn
DefaultRuntimeDir $state
Mutex file:$state default
$user
LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule headers_module $modules/mod_headers.so
LoadModule mime_module $modules/mod_mime.so
LoadModule rewrite_module $modules/mod_rewrite.so
LoadModule dir_module $modules/mod_dir.so
TypesConfig /etc/mime.types
ServerTokens Prod
DocumentRoot "$webroot"
<Directory />
  AllowOverride None
  Require all denied
</Directory>
<Directory "$webroot">
  Options SymLinksIfOwnerMatch
  AllowOverride All
  Require all granted
</Directory>
CONF
  /usr/sbin/apache2 -t -f "$state/httpd.conf" >/dev/null 2>"$state/configtest.log" || {
    cat "$state/configtest.log" >&2
    die "apache2 refuses the configuration"
  }
  /usr/sbin/apache2 -f "$state/httpd.conf" -k start
  wait_up apache "$port" "$state"
}

stop() {
  local name=$1 state=$2 pidfile
  case $name in
  nginx) pidfile=$state/nginx.pid ;;
  apache) pidfile=$state/apache.pid ;;
  esac
  [[ -f $pidfile ]] || return 0
  local pid
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  rm -f "$pidfile"
}

command=${1:-}
case $command in
install) install ;;
start)
  name=${2:-}
  dist=${3:-}
  [[ -n $dist && -d $dist ]] || die "usage: servers.sh start nginx|apache DIST [PORT] [STATE]"
  dist=$(cd "$dist" && pwd)
  prefix=${6:-}
  [[ -z $prefix || ($prefix == /* && $prefix != */ && $dist == *"$prefix") ]] ||
    die "PREFIX must start with / (not end with it) and DIST must end in it: $prefix, $dist"
  webroot=${dist%"$prefix"}
  case $name in
  nginx) start_nginx "$dist" "${4:-18080}" "${5:-/tmp/samtykke-servers/nginx}" "$webroot" ;;
  apache) start_apache "$dist" "${4:-18081}" "${5:-/tmp/samtykke-servers/apache}" "$webroot" ;;
  *) die "usage: servers.sh start nginx|apache DIST [PORT] [STATE] [PREFIX]" ;;
  esac
  ;;
stop)
  name=${2:-}
  case $name in
  nginx | apache) stop "$name" "${3:-/tmp/samtykke-servers/$name}" ;;
  *) die "usage: servers.sh stop nginx|apache [STATE]" ;;
  esac
  ;;
*) die "usage: servers.sh install | start nginx|apache DIST [PORT] [STATE] | stop nginx|apache [STATE]" ;;
esac
