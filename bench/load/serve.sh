#!/usr/bin/env bash
# Serve the gk_load database (bench/load/setup.sh) with production settings for bench/load/run.py:
#   bench/load/serve.sh &                 # foreground process; stop: kill "$(cat var/load/gunicorn.pid)"
# gunicorn on 127.0.0.1:${LOAD_PORT:-8307}, pid file var/load/gunicorn.pid (run.py reads it to sample
# the workers' memory), log /tmp/gk_load_gunicorn.log (errors and the console e-mail backend's output).
#
# Workers: 3 processes x 4 threads (gthread) for 2 cores. Rendering Django pages is CPU work under the GIL,
# so one process per core and one spare keep both cores busy while a process waits on PostgreSQL or
# Redis; the threads overlap those waits (12 requests in progress) without a process's memory each, and
# keep-alive connections wait in the poller, not in a thread. More processes only add memory and context
# switches on 2 cores. No --max-requests: recycling workers would hide memory growth, which we measure.
set -euo pipefail
cd "$(dirname "$0")/../.."
db=${LOAD_DB:-gk_load}
port=${LOAD_PORT:-8307}

export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db
export CACHE_URL=${CACHE_URL:-redis://127.0.0.1:6379/7}
export DEBUG=0
export SECRET_KEY
SECRET_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SECURE_HSTS_SECONDS=0
export ALLOWED_HOSTS=127.0.0.1
export CSRF_TRUSTED_ORIGINS=http://127.0.0.1:$port
export STATIC_ROOT=/tmp/gk_load_static
export MEDIA_ROOT=/tmp/gk_load_media
export EMAIL_URL=console://
export LOG_LEVEL=WARNING
# Every virtual user of run.py comes from 127.0.0.1: the per-address limits of the application form and
# the status lookup (requests_app/ratelimit.py) would otherwise stop the test after 5 applications.
export REQUEST_RATE_LIMIT=1000000 REQUEST_LOOKUP_LIMIT_PER_IP=1000000 REQUEST_LOOKUP_LIMIT_PER_NUMBER=1000000

if [ ! -f "$STATIC_ROOT/staticfiles.json" ]; then
  echo "no $STATIC_ROOT/staticfiles.json: run bench/load/setup.sh first" >&2
  exit 1
fi
mkdir -p "$MEDIA_ROOT" var/load
exec .venv/bin/gunicorn disclosure_site.wsgi \
  --bind 127.0.0.1:"$port" \
  --workers "${LOAD_WORKERS:-3}" --threads "${LOAD_THREADS:-4}" --worker-class gthread \
  --keep-alive 5 --timeout 30 \
  --pid var/load/gunicorn.pid \
  --error-logfile /tmp/gk_load_gunicorn.log --log-level warning \
  >>/tmp/gk_load_gunicorn.log 2>&1
