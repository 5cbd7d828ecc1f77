#!/usr/bin/env bash
# The whole soak test on an existing gk_load database (bench/load/setup.sh), cleaning up after itself:
#   bench/load/soak.sh [run.py options]          # default: 100 users for 600 s
# Flushes Redis db 7 (a cold cache), starts bench/load/serve.sh, waits until it answers, runs
# bench/load/run.py with the options given, stops gunicorn, flushes db 7 again, prints the database size.
# Exit status: run.py's (1 if any request failed).
set -uo pipefail
cd "$(dirname "$0")/../.."
db=${LOAD_DB:-gk_load}
port=${LOAD_PORT:-8307}
redis_db=${LOAD_REDIS_DB:-7}
export CACHE_URL=redis://127.0.0.1:6379/$redis_db

echo "== $(date -u '+%F %T') UTC; before: $(uptime)"
DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db DEBUG=1 .venv/bin/python manage.py migrate --no-input -v0
redis-cli -n "$redis_db" flushdb >/dev/null
bench/load/serve.sh &
serve=$!
stop() {
  if [ -f var/load/gunicorn.pid ]; then kill "$(cat var/load/gunicorn.pid)" 2>/dev/null; fi
  wait "$serve" 2>/dev/null
  redis-cli -n "$redis_db" flushdb >/dev/null
}
trap stop EXIT
for _ in $(seq 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/apply/status/" && break
  sleep 0.3
done
.venv/bin/python bench/load/run.py --url "http://127.0.0.1:$port" "$@"
status=$?
echo "== $(date -u '+%F %T') UTC; after: $(uptime)"
psql -h 127.0.0.1 -U postgres -Atc "SELECT 'database $db: ' || pg_size_pretty(pg_database_size('$db'))"
exit $status
