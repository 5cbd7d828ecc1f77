#!/usr/bin/env bash
# A PRIVATE PostgreSQL cluster sized like a production server, holding a copy of a bench database, to
# measure what the server's own cache changes (shared_buffers needs a restart, and the shared server on
# 5432, with Debian's 128 MB, is never restarted or reconfigured).
#
#   bench/pg_sized.sh start gk_search_bench     # copy it into a cluster on port 5498 (pg_dump | pg_restore)
#   DATABASE_URL=postgres://postgres@127.0.0.1:5498/gk_search_bench .venv/bin/python bench/search.py queries
#   bench/pg_sized.sh stop                      # stop the cluster and delete it
#
# Settings (SHARED_BUFFERS, EFFECTIVE_CACHE_SIZE, WORK_MEM in the environment override them): the usual
# starting point for a dedicated database server, a quarter of the RAM for shared_buffers (6 GB of 24),
# three quarters for effective_cache_size; everything else is PostgreSQL's default. fsync stays on.
# Needs root (initdb and pg_ctl run as the postgres user) and the PostgreSQL server binaries.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_PORT=${PG_PORT:-5498}
[ "$PG_PORT" != 5432 ] || { echo "refusing to use the shared server's port 5432" >&2; exit 2; }
PGBIN=${PGBIN:-$(dirname "$(readlink -f "$(command -v pg_ctl)")")}
WORK=${PG_SIZED_DIR:-/var/tmp/pg_sized}
DATA="$WORK/pgdata"
as_postgres() { runuser -u postgres -- "$@"; }

case "${1:-}" in
  start)
    source_db=${2:?"which database to copy, e.g. gk_search_bench"}
    if [ ! -f "$DATA/PG_VERSION" ]; then
      install -d -o postgres -g postgres "$WORK" "$DATA"
      as_postgres "$PGBIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if [ ! -f "$DATA/postmaster.pid" ]; then
      as_postgres "$PGBIN/pg_ctl" -D "$DATA" -l "$WORK/postgres.log" -w -t 60 start -o \
        "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c shared_buffers=${SHARED_BUFFERS:-6GB}
         -c effective_cache_size=${EFFECTIVE_CACHE_SIZE:-18GB} -c work_mem=${WORK_MEM:-4MB}
         -c maintenance_work_mem=1GB -c max_wal_size=4GB" >/dev/null
    fi
    if ! psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$source_db'" | grep -q 1; then
      echo "== copying $source_db from 127.0.0.1:5432 (pg_dump | pg_restore)"
      createdb -h 127.0.0.1 -p "$PG_PORT" -U postgres "$source_db"
      pg_dump -h 127.0.0.1 -p 5432 -U postgres -Fc -Z0 "$source_db" \
        | pg_restore -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$source_db" --no-owner
      psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$source_db" -qc "VACUUM ANALYZE"
    fi
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -Atc "SHOW shared_buffers" | sed 's/^/shared_buffers = /'
    echo "DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/$source_db"
    ;;
  stop)
    [ -f "$DATA/postmaster.pid" ] && as_postgres "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    rm -rf "$WORK"
    ;;
  *)
    echo "usage: $0 start DATABASE | stop" >&2
    exit 2
    ;;
esac
