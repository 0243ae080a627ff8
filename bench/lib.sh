# Shared by bench/load.sh and bench/faults/*.sh (sourced, not run). Everything started here is
# recorded in STARTED_PIDS / STARTED_CLUSTERS and stopped by stop_started (call it from a trap).
# Only loopback addresses are used.
# Sourcing it sets the scripts' shell options and moves to the top of the tree, where they run.

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
set -uo pipefail
cd "$ROOT" || exit 1
PYTHON=$ROOT/.venv/bin/python
GUNICORN=$ROOT/.venv/bin/gunicorn
STARTED_PIDS=()
STARTED_CLUSTERS=()
WORK=${WORK:-}

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { log "error: $*"; exit 1; }

make_work() {
  WORK=$(mktemp -d "/tmp/hengyang-${1:-bench}.XXXXXX")
  chmod 755 "$WORK"
}

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop_pid() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null
}

stop_started() {
  local pid cluster
  for pid in "${STARTED_PIDS[@]}"; do stop_pid "$pid"; done
  STARTED_PIDS=()
  for cluster in "${STARTED_CLUSTERS[@]}"; do
    pg_dropcluster --stop 15 "$cluster" 2>/dev/null || true
  done
  STARTED_CLUSTERS=()
  if [ -n "$WORK" ] && [ "${KEEP:-0}" != 1 ]; then
    mountpoint -q "$WORK/media" 2>/dev/null && umount "$WORK/media"
    rm -rf "$WORK"
  fi
}

wait_http() { # wait_http URL [seconds]
  local url=$1 limit=${2:-30}
  for _ in $(seq $((limit * 10))); do
    curl -skf -o /dev/null --max-time 2 "$url" && return 0
    sleep 0.1
  done
  return 1
}

# The app's production environment; callers add DATABASE_URL, REDIS_URL, DJANGO_BEHIND_PROXY …
app_environment() {
  export DJANGO_DEBUG=0
  export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(50))')}
  export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
  export DJANGO_SECURE_SSL_REDIRECT=0
  export DJANGO_SERVE_MEDIA=1
  # Every request comes from 127.0.0.1: the per-address search limit would refuse most of them.
  export DJANGO_SEARCH_RATE_LIMIT= DJANGO_SEARCH_EXPORT_RATE_LIMIT= DJANGO_API_RATE_LIMIT=
  export DJANGO_STATIC_ROOT=$WORK/static
  # Connections kept for the whole run, so the CPU of the PostgreSQL processes serving it can be read.
  export DJANGO_CONN_MAX_AGE=${DJANGO_CONN_MAX_AGE:-3600}
  export GUNICORN_WORKERS=${WORKERS:-2} GUNICORN_THREADS=1 GUNICORN_MAX_REQUESTS=0 GUNICORN_TIMEOUT=${GUNICORN_TIMEOUT:-30}
}

# The start of a run: a work folder named after it, everything started stopped on exit, and the
# app's production environment.
begin_run() { # begin_run NAME
  make_work "$1"
  trap stop_started EXIT
  trap 'exit 130' INT TERM
  app_environment
}

GUNICORN_PID=
start_gunicorn() { # start_gunicorn PORT LOGNAME  (environment from the caller)
  local port=$1 name=${2:-gunicorn}
  GUNICORN_BIND=127.0.0.1:$port GUNICORN_ACCESS_LOG=$WORK/$name-access.log \
    "$GUNICORN" --chdir "$ROOT" --config "$ROOT/deploy/gunicorn.conf.py" hengyang_cms.wsgi:application \
    >"$WORK/$name.log" 2>&1 &
  GUNICORN_PID=$!
  STARTED_PIDS+=("$GUNICORN_PID")
  wait_http "http://127.0.0.1:$port/healthz" 60 || { tail -20 "$WORK/$name.log" >&2; die "gunicorn did not start"; }
}

NGINX_PID=
start_nginx() { # start_nginx HTTPS_PORT APP_PORT
  local https_port=$1 app_port=$2
  [ -f "$WORK/tls.crt" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null
  mkdir -p "$WORK/nginx-temp" "$WORK/media"
  HENGYANG_SERVER_NAME="localhost 127.0.0.1" HENGYANG_HTTP_LISTEN=127.0.0.1:$(free_port) \
    HENGYANG_HTTPS_LISTEN=127.0.0.1:$https_port HENGYANG_HTTPS_PORT_SUFFIX=:$https_port \
    HENGYANG_TLS_CERT=$WORK/tls.crt HENGYANG_TLS_KEY=$WORK/tls.key HENGYANG_STATIC_ROOT=$WORK/static \
    HENGYANG_MEDIA_ROOT=${DJANGO_MEDIA_ROOT:-$WORK/media} HENGYANG_APP=127.0.0.1:$app_port \
    "$ROOT/deploy/render-nginx" >"$WORK/site.conf"
  cat >"$WORK/nginx.conf" <<EOF
user $(id -un);
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
load_module /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so;
load_module /usr/lib/nginx/modules/ngx_http_brotli_static_module.so;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log off;
    client_body_temp_path $WORK/nginx-temp/body;
    proxy_temp_path $WORK/nginx-temp/proxy;
    fastcgi_temp_path $WORK/nginx-temp/fastcgi;
    uwsgi_temp_path $WORK/nginx-temp/uwsgi;
    scgi_temp_path $WORK/nginx-temp/scgi;
    include $WORK/site.conf;
}
EOF
  nginx -t -q -p "$WORK" -c "$WORK/nginx.conf" || die "nginx refused its configuration"
  nginx -p "$WORK" -c "$WORK/nginx.conf" -g "daemon off;" 2>>"$WORK/nginx-error.log" &
  NGINX_PID=$!
  STARTED_PIDS+=("$NGINX_PID")
  wait_http "https://127.0.0.1:$https_port/healthz" 30 || die "nginx did not start"
}

REDIS_PID=
start_redis() { # start_redis PORT
  redis-server --port "$1" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$WORK/redis-$1.log" 2>&1 &
  REDIS_PID=$!
  STARTED_PIDS+=("$REDIS_PID")
  for _ in $(seq 50); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "redis-server did not start on $1"
}

# CPU seconds (user + system) used so far by a process and its children that are still running.
cpu_seconds() { # cpu_seconds PID...
  "$PYTHON" "$ROOT/bench/proc_cpu.py" "$@"
}

# The PostgreSQL server processes serving a database right now (their CPU is the database's cost).
postgres_backends() { # postgres_backends PORT DBNAME
  psql -X -w -h 127.0.0.1 -p "$1" -U postgres -d postgres -Atc \
    "SELECT pid FROM pg_stat_activity WHERE datname = '$2' AND pid <> pg_backend_pid()" 2>/dev/null | tr '\n' ' '
}

# Run wrk with bench/load.lua; the output goes to FILE.
run_wrk() { # run_wrk URL SECONDS CONNECTIONS URLS_LUA FILE [MIX]
  wrk -t"$3" -c"$3" -d"$2"s --timeout 10s --latency -s "$ROOT/bench/load.lua" "$1" -- "$4" ${6:+"$6"} >"$5" 2>&1
}

# "requests non2xx3xx socket-errors" from a wrk output with bench/load.lua's HYTOTAL line.
wrk_totals() {
  awk '/^HYTOTAL/ {print $2, $4, $5 + $6 + $7 + $8}' "$1"
}

# A throwaway PostgreSQL 15 cluster on PORT (never the shared one on 5432), trusted on loopback,
# dropped by stop_started.
make_cluster() { # make_cluster NAME PORT
  local name=$1 port=$2
  if pg_lsclusters -h | awk -v n="$name" '$1 == 15 && $2 == n {found = 1} END {exit !found}'; then
    pg_dropcluster --stop 15 "$name" || die "could not drop the old cluster 15/$name"
  fi
  pg_createcluster 15 "$name" --port "$port" >/dev/null || die "pg_createcluster 15 $name failed"
  STARTED_CLUSTERS+=("$name")
  cat >"/etc/postgresql/15/$name/pg_hba.conf" <<HBA
local all all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
HBA
  pg_ctlcluster --skip-systemctl-redirect 15 "$name" start || die "could not start 15/$name"
  for _ in $(seq 50); do pg_isready -q -h 127.0.0.1 -p "$port" && return 0; sleep 0.2; done
  die "15/$name did not come up"
}

# The fault scripts' own cluster (15/faults on PORT, never the shared one) holding a 3,000-article
# archive with fresh planner statistics; DATABASE_URL points to it.
faults_archive() { # faults_archive PORT
  make_cluster faults "$1"
  createdb -h 127.0.0.1 -p "$1" -U postgres faults || die "createdb failed"
  export DATABASE_URL=postgres://postgres@127.0.0.1:$1/faults
  log "migrate and generate_archive --articles 3000 into 15/faults"
  "$PYTHON" manage.py migrate --noinput -v0 || die "migrate failed"
  "$PYTHON" manage.py generate_archive --articles 3000 --seed 1 >/dev/null 2>&1 || die "generate_archive failed"
  psql -X -q -h 127.0.0.1 -p "$1" -U postgres -d faults -c ANALYZE
}

# Requests to URL every 0.2 s until killed or SECONDS pass: "epoch_ms status seconds" per line.
probe() { # probe URL FILE SECONDS
  local url=$1 file=$2 until=$((SECONDS + $3))
  (
    while [ $SECONDS -lt $until ]; do
      printf '%s %s\n' "$(date +%s%3N)" "$(curl -sk -o /dev/null --max-time 10 -w '%{http_code} %{time_total}' "$url")" >>"$file"
      sleep 0.2
    done
  ) &
  STARTED_PIDS+=("$!")
}

event() { # event NAME: when a fault was injected (read by bench/faults/summarize.py)
  printf '%s %s\n' "$(date +%s%3N)" "$1" >>"$WORK/events"
  log "$1"
}

# The fault itself: the cluster 15/NAME stops (fast shutdown: open connections are cut) and starts
# again SECONDS later; WHAT names it in the events.
stop_cluster_for() { # stop_cluster_for NAME WHAT SECONDS
  event "stop $2 (pg_ctlcluster stop -m fast)"
  pg_ctlcluster --skip-systemctl-redirect 15 "$1" stop -m fast
  sleep "$3"
  event "start $2"
  pg_ctlcluster --skip-systemctl-redirect 15 "$1" start
}

# A fault run's traffic: gunicorn on a spare port (APP_PORT), the home page probed (and /healthz
# with "healthz"), DURATION s of wrk (32 connections, $WORK/urls.lua) in the background (WRK_PID).
serve_under_load() { # serve_under_load [healthz]
  APP_PORT=$(free_port)
  start_gunicorn "$APP_PORT" gunicorn
  probe "http://127.0.0.1:$APP_PORT/" "$WORK/probe-home.txt" "$DURATION"
  if [ "${1:-}" = healthz ]; then probe "http://127.0.0.1:$APP_PORT/healthz" "$WORK/probe-healthz.txt" "$DURATION"; fi
  run_wrk "http://127.0.0.1:$APP_PORT" "$DURATION" 32 "$WORK/urls.lua" "$WORK/wrk.txt" &
  WRK_PID=$!
  STARTED_PIDS+=("$WRK_PID")
}

# A fault run's report: its TITLE, the timeline (bench/faults/summarize.py) and wrk's totals, also
# left in requests, non2xx and socket_errors for the verdict.
fault_report() { # fault_report TITLE
  echo
  echo "## $1"
  "$PYTHON" bench/faults/summarize.py "$WORK"
  read -r requests non2xx socket_errors < <(wrk_totals "$WORK/wrk.txt")
  echo "wrk: $requests requests, $non2xx not 2xx/3xx, $socket_errors socket errors"
}
