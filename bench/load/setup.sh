#!/usr/bin/env bash
# Build the load-test database gk_load from scratch (dropped first if it exists):
#   bench/load/setup.sh [ITEMS]        # ITEMS: generated catalog size, default 100000
# migrate; the demo data (manage.py load_demo, DEBUG=1); ITEMS generated items in 50 departments of a
# second county (bench/search.py generate: bodies of 300–5,000 characters) and their search index;
# staff accounts and var/load/targets.json (bench/load/prepare.py); static files in /tmp/gk_load_static.
# Needs PostgreSQL at 127.0.0.1:5432 (user postgres). 100,000 items took 29 minutes on the shared 2-core
# machine (load average ~10): generating 2 min, the search index 26 min (64 items/s, one worker).
set -euo pipefail
cd "$(dirname "$0")/../.."
items=${1:-100000}
db=${LOAD_DB:-gk_load}
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db
export DEBUG=1
py=.venv/bin/python

step() { echo "== $(date -u +%T) $*"; }

step "drop and create $db"
dropdb -h 127.0.0.1 -U postgres --if-exists "$db"
createdb -h 127.0.0.1 -U postgres "$db"

step migrate
$py manage.py migrate --no-input -v0

step "demo data"
$py manage.py load_demo > /tmp/gk_load_demo.log && tail -n 6 /tmp/gk_load_demo.log

step "generate $items items (bench/search.py generate --orgs 50)"
$py bench/search.py generate --items "$items" --orgs 50

step "search index"
$py manage.py rebuild_search_index --workers 1 -v0

step "staff accounts and targets"
$py bench/load/prepare.py

step "collectstatic into /tmp/gk_load_static"
DEBUG=0 SECRET_KEY=collectstatic-only-$RANDOM$RANDOM$RANDOM$RANDOM STATIC_ROOT=/tmp/gk_load_static \
  $py manage.py collectstatic --no-input --clear -v0

psql -h 127.0.0.1 -U postgres -Atc "SELECT 'database $db: ' || pg_size_pretty(pg_database_size('$db'))"
step done
