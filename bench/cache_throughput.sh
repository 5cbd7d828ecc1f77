#!/usr/bin/env bash
# Throughput of a cached item page against a static file of the same size, served by the same
# gunicorn (2 workers) with the Redis cache, in the same run (issue 3's speed target: at least 0.5).
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_bench bench/cache_throughput.sh [ITEM_ID]
# Needs wrk (apt install wrk), a database filled by bench/catalog.py generate, Redis at 127.0.0.1:6379.
set -euo pipefail
cd "$(dirname "$0")/.."
item=${1:-12345}
port=8200
export DEBUG=0 SECURE_SSL_REDIRECT=0 ALLOWED_HOSTS=127.0.0.1
export SECRET_KEY=${SECRET_KEY:-bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz}
export CACHE_URL=${CACHE_URL:-redis://127.0.0.1:6379/3}
export STATIC_ROOT=$(mktemp -d)
.venv/bin/python manage.py collectstatic --no-input -v0

start_server() {
  .venv/bin/gunicorn disclosure_site.wsgi --bind 127.0.0.1:$port --workers 2 --log-level warning &
  server=$!
  for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/static/css/site.css" && return; sleep 0.2; done
}
start_server
size=$(curl -sf "http://127.0.0.1:$port/items/$item/" | wc -c)
head -c "$size" /dev/zero | tr '\0' 'x' > "$STATIC_ROOT/same-size.txt"
kill $server; wait $server 2>/dev/null || true
start_server  # WhiteNoise lists the static files at startup
trap 'kill $server; rm -rf "$STATIC_ROOT"' EXIT

echo "item page: $size bytes"
for round in 1 2; do
  s=$(wrk -t2 -c16 -d15s "http://127.0.0.1:$port/static/same-size.txt" | awk '/Requests\/sec/ {print $2}')
  i=$(wrk -t2 -c16 -d15s "http://127.0.0.1:$port/items/$item/" | awk '/Requests\/sec/ {print $2}')
  echo "round $round: static $s req/s, cached item page $i req/s, ratio $(echo "scale=2; $i / $s" | bc)"
done
