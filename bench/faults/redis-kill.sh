#!/usr/bin/env bash
# Fault: Redis, the shared cache, is killed in the middle of readers' traffic, then comes back.
#
# Its own redis-server on a spare port (the shared one on 6379 is never touched); gunicorn
# (2 workers) with REDIS_URL on the opsdev archive (DATABASE_URL; default the local opsdev database);
# 30 s of mixed traffic (wrk, bench/load.lua, 32 connections) and a probe every 0.2 s; at 10 s Redis
# is killed (SIGKILL), at 20 s started again. What must hold: not one failed request (the cache fails
# open: a miss, logged once), and Redis used again once it is back. Exits 1 otherwise.
source "$(dirname "$0")/../lib.sh"
DURATION=${DURATION:-30}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/opsdev}

begin_run redis-kill
unset DATABASE_REPLICA_URLS
redis_port=$(free_port)
start_redis "$redis_port"
export REDIS_URL=redis://127.0.0.1:$redis_port/0
"$PYTHON" manage.py migrate --noinput -v0 || die "migrate failed"
DJANGO_DEBUG=1 "$PYTHON" bench/load_urls.py --articles 3000 >"$WORK/urls.lua" 2>/dev/null || die "no URLs (is there an archive in $DATABASE_URL?)"
"$PYTHON" manage.py collectstatic --noinput -v0

serve_under_load
sleep 10
keys_before=$(redis-cli -p "$redis_port" dbsize)
event "kill Redis (SIGKILL; $keys_before keys lost)"
kill -9 "$REDIS_PID"
sleep 10
event "start Redis again (empty)"
start_redis "$redis_port"
event "back"
wait "$WRK_PID"
keys_after=$(redis-cli -p "$redis_port" dbsize)

fault_report "Redis killed under load, started again 10 s later"
warnings=$(grep -c "Redis cache unavailable" "$WORK/gunicorn.log")
echo "Warnings logged by the app: $warnings (at most one per worker per 30 s); keys in Redis after its return: $keys_after"
if [ "$non2xx" = 0 ] && [ "$socket_errors" = 0 ] && [ "$keys_after" -gt 0 ] && ! grep -q "WORKER TIMEOUT" "$WORK/gunicorn.log"; then
  echo "PASS: no failed request while Redis was gone; the cache was used again once it was back"
else
  echo "FAIL: $non2xx failed responses, $socket_errors socket errors, $keys_after keys after the return"
  grep '^HYBAD' "$WORK/wrk.txt"
  exit 1
fi
