#!/usr/bin/env bash
# Fault: PostgreSQL stops and starts again in the middle of readers' traffic.
#
# Makes its own throwaway cluster (15/faults on 127.0.0.1:5499; the shared one on 5432 is never
# touched) with a 3,000-article archive, serves it with gunicorn (2 workers, deploy/gunicorn.conf.py),
# sends 40 s of mixed traffic (wrk, bench/load.lua, 32 connections) and a probe of / and /healthz
# every 0.2 s; at 10 s stops PostgreSQL (fast shutdown: open connections are cut), at 15 s starts it
# again. What must hold: requests during the outage fail fast with the 503 page (no 500, no request
# slower than the connect timeout, no worker timeout), and the site answers 200 within seconds of
# PostgreSQL's return. Prints the timeline (bench/faults/summarize.py); exits 1 if that did not hold.
source "$(dirname "$0")/../lib.sh"
PORT=${FAULT_PG_PORT:-5499}
DURATION=${DURATION:-40}

begin_run pg-restart
unset REDIS_URL DATABASE_REPLICA_URLS
export DJANGO_DB_CONNECT_TIMEOUT=3
faults_archive "$PORT"
DJANGO_DEBUG=1 "$PYTHON" bench/load_urls.py --articles 2000 >"$WORK/urls.lua" 2>/dev/null || die "no URLs"
"$PYTHON" manage.py collectstatic --noinput -v0

serve_under_load healthz
sleep 10
stop_cluster_for faults PostgreSQL 5
wait "$WRK_PID"
sleep 0.5

fault_report "PostgreSQL stopped for 5 s and started again under load"

# What must hold.
ok=1
statuses=$(awk '{print $(NF-3)}' "$WORK"/gunicorn-access.log | sort | uniq -c | tr '\n' ' ')
if awk '{s = $(NF-3)} s >= 400 && s != 503 {bad = 1} END {exit !bad}' "$WORK/gunicorn-access.log"; then
  echo "FAIL: statuses other than 2xx/3xx/503 during the outage: $statuses"; ok=0
fi
slowest=$(awk '$(NF-3) == 503 {if ($NF > m) m = $NF} END {print int(m / 1000)}' "$WORK/gunicorn-access.log")
if [ "${slowest:-0}" -gt 3500 ]; then
  echo "FAIL: a 503 took ${slowest} ms (connect timeout is 3 s)"; ok=0
fi
if grep -q "WORKER TIMEOUT" "$WORK/gunicorn.log"; then echo "FAIL: gunicorn killed a hung worker"; ok=0; fi
last=$(tail -3 "$WORK/probe-home.txt" | awk '{print $2}' | sort -u | tr '\n' ' ')
if [ "$last" != "200 " ]; then echo "FAIL: the home page did not come back (last probes: $last)"; ok=0; fi
if [ "$(awk '$(NF-3) == 503' "$WORK/gunicorn-access.log" | wc -l)" = 0 ]; then
  echo "FAIL: no 503 at all: the outage was not seen"; ok=0
fi
[ $ok = 1 ] && echo "PASS: 503 pages during the outage (slowest ${slowest} ms), no other errors, no hung worker, back to 200"
[ $ok = 1 ]
