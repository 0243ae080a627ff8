#!/usr/bin/env bash
# Fault: the read replica stops in the middle of readers' traffic, then comes back.
#
# Its own primary (15/faults on 127.0.0.1:5499) with a 3,000-article archive and a streaming replica
# of it made by deploy/make-replica (15/faultsreplica on 5498); gunicorn (2 workers) with
# DATABASE_REPLICA_URLS; 40 s of mixed traffic (wrk, 32 connections) and a probe every 0.2 s; at 10 s
# the replica is stopped (fast shutdown: its connections are cut), at 25 s started again. What must
# hold: not one failed request (reads fall back to the primary), and reads return to the replica
# once it is back. Exits 1 otherwise. The shared cluster on 5432 is never touched.
source "$(dirname "$0")/../lib.sh"
PRIMARY_PORT=${FAULT_PG_PORT:-5499}
REPLICA_PORT=${FAULT_REPLICA_PORT:-5498}
DURATION=${DURATION:-40}

begin_run replica-stop
unset REDIS_URL
faults_archive "$PRIMARY_PORT"
STARTED_CLUSTERS+=(faultsreplica)
deploy/make-replica --primary-port "$PRIMARY_PORT" --port "$REPLICA_PORT" --name faultsreplica || die "make-replica failed"
export DATABASE_REPLICA_URLS=postgres://postgres@127.0.0.1:$REPLICA_PORT/faults
DJANGO_DEBUG=1 "$PYTHON" bench/load_urls.py --articles 2000 >"$WORK/urls.lua" 2>/dev/null || die "no URLs"
"$PYTHON" manage.py collectstatic --noinput -v0

replica_reads() {
  psql -X -w -At -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres \
    -c "SELECT COALESCE(sum(xact_commit + xact_rollback), 0) FROM pg_stat_database WHERE datname = 'faults'" 2>/dev/null || echo "-"
}
serve_under_load
at_start=$(replica_reads)
sleep 10
before_stop=$(replica_reads)
stop_cluster_for faultsreplica "the replica" 15
event "back"
sleep 3
after_start=$(replica_reads)
wait "$WRK_PID"
at_end=$(replica_reads)

fault_report "Read replica stopped under load for 15 s"
fallbacks=$(grep -c "read replica .* failed" "$WORK/gunicorn.log")
echo "Transactions on the replica: $at_start at the start, $before_stop before the stop; after its restart $after_start, at the end $at_end"
echo "Fallbacks to the primary logged: $fallbacks (each worker logs one when it finds the replica down, again after each 10 s pause)"
if [ "$non2xx" = 0 ] && [ "$socket_errors" = 0 ] && [ "$before_stop" -gt "$at_start" ] && [ "$at_end" -gt "$after_start" ] && ! grep -q "WORKER TIMEOUT" "$WORK/gunicorn.log"; then
  echo "PASS: no failed request while the replica was down; reads went back to it when it returned"
else
  echo "FAIL: see above"
  grep '^HYBAD' "$WORK/wrk.txt"
  exit 1
fi
