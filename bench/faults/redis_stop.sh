#!/usr/bin/env bash
# Fault drill: Redis stopped under a running site (issue 8, faults).
#
#   bench/faults/redis_stop.sh
#
# Starts a PRIVATE redis-server (port 6392; the shared one on 6379 is never touched), a SQLite copy of the
# demo data and gunicorn (2 workers) with CACHE_URL pointing at that Redis, and requests five pages in a
# loop while it stops Redis for 10 seconds and starts it again (empty). The timeline must show 200s
# throughout with no slow requests, and the cache must fill again afterwards with nothing done to the
# site. Exit status 0 when it does. Everything is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=bench/faults/site.sh
. bench/faults/site.sh

REDIS_PORT=${REDIS_PORT:-6392}
[ "$REDIS_PORT" != 6379 ] || { echo "refusing to use the shared Redis port 6379" >&2; exit 2; }
WORK=$(mktemp -d /tmp/faults_redis.XXXXXX)
EVENTS="$WORK/events"
WEB_PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
gunicorn_pid="" redis_pid=""

mark() { echo "$(date +%s.%N) $*" >> "$EVENTS"; }
keys() { redis-cli -p "$REDIS_PORT" dbsize 2>/dev/null || echo "(down)"; }
start_redis() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" >/dev/null &
  redis_pid=$!
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 0.1; done
}
stop_redis() { kill "$redis_pid"; wait "$redis_pid" 2>/dev/null || true; redis_pid=""; }
cleanup() {
  set +e
  [ -n "$gunicorn_pid" ] && kill "$gunicorn_pid" 2>/dev/null && wait "$gunicorn_pid" 2>/dev/null
  [ -n "$redis_pid" ] && stop_redis
  rm -rf "$WORK"
}
trap cleanup EXIT

export DATABASE_URL="sqlite:///$WORK/drill.sqlite3"
export SECRET_KEY=drill-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG
export DEBUG=0 SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SECURE_HSTS_SECONDS=0
export ALLOWED_HOSTS=127.0.0.1 CACHE_URL="redis://127.0.0.1:$REDIS_PORT/0" EMAIL_URL=console:// LOG_LEVEL=WARNING
export STATIC_ROOT="$WORK/static" MEDIA_ROOT="$WORK/media"

echo "== private redis-server on port $REDIS_PORT; demo data in SQLite; static files"
start_redis
prepare_site

start_gunicorn

echo "== timeline (status×count per second, slowest request of the second)"
: > "$EVENTS"
.venv/bin/python -u bench/faults/timeline.py --base "http://127.0.0.1:$WEB_PORT" --seconds 30 --events "$EVENTS" \
  --no-outage &
timeline_pid=$!
sleep 6
mark "redis stopped (cache keys before: $(keys))"
stop_redis
sleep 10
start_redis
mark "up: redis started again, empty (keys: $(keys))"
status=0
wait "$timeline_pid" || status=$?
after=$(keys)
echo "cache keys after the site ran on for ~14 s: $after"
if [ "$after" = "(down)" ] || [ "$after" -eq 0 ]; then echo "FAIL: the cache did not fill again"; status=1; fi
echo "== what the site logged"
grep -v "^\s\|^$\|^Traceback" "$WORK/gunicorn.log" | sort | uniq -c | sort -rn | head -8
if grep -q "Internal Server Error\|Traceback" "$WORK/gunicorn.log"; then
  echo "FAIL: server errors in the log"; status=1
fi
exit $status
