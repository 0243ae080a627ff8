#!/usr/bin/env bash
# bench/load.sh: readers' mixed traffic against gunicorn (2 workers) on loopback, direct and through
# nginx (TLS, compression), with the per-process memory cache and with Redis; wrk with
# bench/load.lua choosing the URLs (bench/load_urls.py: articles at random across the archive,
# issue pages, searches, feeds, the home page). Prints, per run and per kind of page, requests,
# requests/s, p50/p99 latency and errors (non-2xx/3xx), and the CPU the app, nginx, PostgreSQL and
# Redis spent per request. Exits non-zero if any request failed.
#
#   bench/load.sh                    60 s per run, 32 connections, DATABASE_URL's archive
#   DURATION=20 bench/load.sh        shorter runs
#   MODES="nginx" CACHES="redis" bench/load.sh
#
# DATABASE_URL (default postgres://postgres@127.0.0.1:5432/opsdev) must hold an archive:
#   DATABASE_URL=… .venv/bin/python manage.py generate_archive --articles 20000 --seed 1
# Starts its own gunicorn, nginx and redis-server on spare loopback ports, stops them at the end.
source "$(dirname "$0")/lib.sh"

DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-32}
WORKERS=${WORKERS:-2}
MODES=${MODES:-direct nginx}
CACHES=${CACHES:-memory redis}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/opsdev}

for tool in wrk nginx redis-server curl openssl psql; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install wrk nginx libnginx-mod-http-brotli-filter libnginx-mod-http-brotli-static redis-server curl openssl postgresql-client)"
done
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
begin_run load
unset REDIS_URL DATABASE_REPLICA_URLS

db_name=$(
  "$PYTHON" -c 'import os, urllib.parse as u; print(u.urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/"))'
)
db_port=$("$PYTHON" -c 'import os, urllib.parse as u; print(u.urlsplit(os.environ["DATABASE_URL"]).port or 5432)')

log "migrate $DATABASE_URL (the archive must have the current schema)"
"$PYTHON" manage.py migrate --noinput -v0 || die "migrate failed"
if [[ $DATABASE_URL == postgres* ]]; then
  # Fresh planner statistics: right after generate_archive the planner guesses badly (10× slower pages).
  psql -X -w -q "$DATABASE_URL" -c "ANALYZE" || die "could not ANALYZE $DATABASE_URL"
fi
log "URLs from $DATABASE_URL"
DJANGO_DEBUG=1 "$PYTHON" bench/load_urls.py >"$WORK/urls.lua" || die "could not list URLs (is there an archive?)"
log "collectstatic into $WORK/static"
"$PYTHON" manage.py collectstatic --noinput -v0 || die "collectstatic failed"
articles=$(DJANGO_DEBUG=1 "$PYTHON" manage.py shell --no-imports -v0 -c 'from articles.models import Article; print(Article.objects.visible().count())' 2>/dev/null)

app_port=$(free_port)
https_port=$(free_port)
redis_port=$(free_port)
results=$WORK/results.md
failed=0
{
  echo "| cache | via | page | requests | req/s | p50 ms | p99 ms | max ms | errors |"
  echo "|---|---|---|---|---|---|---|---|---|"
} >"$results"
cpu_table=$WORK/cpu.md
{
  echo "| cache | via | requests | req/s | wrk p99 ms | errors | app CPU ms/req | nginx CPU ms/req | PostgreSQL CPU ms/req | Redis CPU ms/req |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} >"$cpu_table"

for cache in $CACHES; do
  if [ "$cache" = redis ]; then
    start_redis "$redis_port"
    export REDIS_URL=redis://127.0.0.1:$redis_port/0
  else
    unset REDIS_URL
  fi
  for via in $MODES; do
    if [ "$via" = nginx ]; then
      export DJANGO_BEHIND_PROXY=1  # nginx compresses; the app does not
      target=https://127.0.0.1:$https_port
    else
      export DJANGO_BEHIND_PROXY=0  # the embedded default: the app compresses anonymous pages
      target=http://127.0.0.1:$app_port
    fi
    [ "$cache" = redis ] && redis-cli -p "$redis_port" flushall >/dev/null
    start_gunicorn "$app_port" "gunicorn-$cache-$via"
    gunicorn_pid=$GUNICORN_PID
    if [ "$via" = nginx ]; then
      [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null || start_nginx "$https_port" "$app_port"
    fi
    before_app=$(cpu_seconds "$gunicorn_pid")
    before_nginx=$([ "$via" = nginx ] && cpu_seconds "$NGINX_PID" || echo 0)
    backends_before=$(postgres_backends "$db_port" "$db_name")
    before_db=$([ -n "$backends_before" ] && cpu_seconds $backends_before || echo 0)
    before_redis=$([ "$cache" = redis ] && cpu_seconds "$REDIS_PID" || echo 0)
    log "wrk: $cache cache, $via, ${DURATION}s, $CONNECTIONS connections"
    run_wrk "$target" "$DURATION" "$CONNECTIONS" "$WORK/urls.lua" "$WORK/wrk-$cache-$via.txt"
    after_app=$(cpu_seconds "$gunicorn_pid")
    after_nginx=$([ "$via" = nginx ] && cpu_seconds "$NGINX_PID" || echo 0)
    backends_after=$(postgres_backends "$db_port" "$db_name")
    after_db=$([ -n "$backends_after" ] && cpu_seconds $backends_after || echo 0)
    after_redis=$([ "$cache" = redis ] && cpu_seconds "$REDIS_PID" || echo 0)
    if grep -q "WORKER TIMEOUT" "$WORK/gunicorn-$cache-$via.log"; then
      log "gunicorn reported worker timeouts"
      failed=1
    fi
    stop_pid "$gunicorn_pid"

    out=$WORK/wrk-$cache-$via.txt
    grep -q '^HYTOTAL' "$out" || { cat "$out" >&2; die "wrk failed"; }
    awk -v c="$cache" -v v="$via" '/^HYKIND/ {printf "| %s | %s | %s | %d | %.1f | %.1f | %.1f | %.1f | %d |\n", c, v, $2, $3, $4, $5, $7, $8, $9}' "$out" |
      sort -t'|' -k4,4 >>"$results"
    read -r requests rps non2xx connect read_errors write_errors timeouts < <(awk '/^HYTOTAL/ {print $2, $3, $4, $5, $6, $7, $8}' "$out")
    errors=$((non2xx + connect + read_errors + write_errors + timeouts))
    p99=$(awk '/^HYLATENCY/ {print $3}' "$out")
    "$PYTHON" - "$cache" "$via" "$requests" "$rps" "$p99" "$errors" "$before_app" "$after_app" "$before_nginx" "$after_nginx" "$before_db" "$after_db" "$before_redis" "$after_redis" >>"$cpu_table" <<'PY'
import sys
cache, via, requests, rps, p99, errors = sys.argv[1:7]
app, nginx, db, redis = (float(sys.argv[i + 1]) - float(sys.argv[i]) for i in (7, 9, 11, 13))
n = max(1, int(requests))
ms = lambda seconds: f"{seconds * 1000 / n:.2f}"
print(f"| {cache} | {via} | {requests} | {float(rps):.1f} | {p99} | {errors} | {ms(app)} | {ms(nginx) if via == 'nginx' else '–'} | {ms(db)} | {ms(redis) if cache == 'redis' else '–'} |")
PY
    if [ "$errors" != 0 ]; then
      failed=1
      log "$errors failed requests ($non2xx non-2xx/3xx, $((connect + read_errors + write_errors)) socket errors, $timeouts timeouts):"
      grep '^HYBAD' "$out" >&2
    fi
  done
  if [ "$cache" = redis ]; then
    stop_pid "$REDIS_PID"
  fi
done

echo
echo "$(date -u +%Y-%m-%dT%H:%MZ) · ${articles:-?} visible articles in $db_name · gunicorn $WORKERS workers · wrk $CONNECTIONS connections · ${DURATION}s per run · load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
cat "$cpu_table"
echo
cat "$results"
if [ "$failed" != 0 ]; then
  echo "bench/load.sh: some requests failed (see above)" >&2
  exit 1
fi
