#!/usr/bin/env bash
# Fault drill: PostgreSQL restarted and stopped under a running site (issue 8, faults).
#
#   bench/faults/postgres_restart.sh
#
# Builds a PRIVATE PostgreSQL cluster in /tmp (as the postgres OS user, port 5499; the shared server on
# 5432 is never touched), migrates it and loads the demo data, starts gunicorn (2 workers) against it
# and requests five pages in a loop while it
#   1. restarts the cluster (pg_ctl restart -m fast),
#   2. stops it for 10 seconds, then starts it again.
# The timeline shows 200s, then 503 maintenance pages (系统维护中, Retry-After), then 200s again with
# nothing done to the site. Exit status 0 when timeline.py's checks pass. Everything is removed at the end.
# Needs root (to run initdb and pg_ctl as postgres) and the PostgreSQL server binaries.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=bench/faults/site.sh
. bench/faults/site.sh

PG_PORT=${PG_PORT:-5499}
[ "$PG_PORT" != 5432 ] || { echo "refusing to use the shared server's port 5432" >&2; exit 2; }
PGBIN=${PGBIN:-$(dirname "$(readlink -f "$(command -v pg_ctl)")")}
WORK=$(mktemp -d /tmp/faults_drill.XXXXXX)
chown postgres:postgres "$WORK"  # initdb, the server log and the socket are written as postgres
DATA="$WORK/pgdata"
EVENTS="$WORK/events"
WEB_PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
gunicorn_pid=""

as_postgres() { runuser -u postgres -- "$@"; }
pg() { as_postgres "$PGBIN/pg_ctl" -D "$DATA" -l "$WORK/postgres.log" -w -t 30 "$@" >/dev/null; }
mark() { echo "$(date +%s.%N) $*" >> "$EVENTS"; }

cleanup() {
  set +e
  [ -n "$gunicorn_pid" ] && kill "$gunicorn_pid" 2>/dev/null && wait "$gunicorn_pid" 2>/dev/null
  [ -f "$DATA/postmaster.pid" ] && as_postgres "$PGBIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== private cluster in $DATA on port $PG_PORT"
install -d -o postgres -g postgres "$DATA"
as_postgres "$PGBIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
pg -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off" start
as_postgres "$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres drill

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/drill"
export SECRET_KEY=drill-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG
export DEBUG=0 SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SECURE_HSTS_SECONDS=0
export ALLOWED_HOSTS=127.0.0.1 CACHE_URL=dummy:// EMAIL_URL=console:// LOG_LEVEL=WARNING
export STATIC_ROOT="$WORK/static" MEDIA_ROOT="$WORK/media"
# No page cache (dummy://): every request needs the database, so the timeline shows the outage plainly.
# With Redis, anonymous visitors would meanwhile still get the public pages cached before it.

echo "== migrate, demo data, static files"
prepare_site

start_gunicorn

echo "== timeline (status×count per second)"
: > "$EVENTS"
.venv/bin/python -u bench/faults/timeline.py --base "http://127.0.0.1:$WEB_PORT" --seconds 40 --events "$EVENTS" &
timeline_pid=$!
sleep 6
mark "pg_ctl restart -m fast"
pg -m fast restart
mark "up: restart finished"
sleep 8
mark "pg_ctl stop -m fast"
pg -m fast stop
sleep 10
mark "pg_ctl start"
pg -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off" start
mark "up: started again"
status=0
wait "$timeline_pid" || status=$?
echo "== what the site logged"
grep -v "^\s\|^$\|^Traceback" "$WORK/gunicorn.log" | sort | uniq -c | sort -rn | head -8
if grep -q "Internal Server Error\|Traceback" "$WORK/gunicorn.log"; then
  echo "FAIL: server errors in the log:"; grep -A3 "Internal Server Error" "$WORK/gunicorn.log" | head -20; status=1
fi
exit $status
