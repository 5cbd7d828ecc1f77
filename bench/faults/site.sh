# Sourced by the drills: the site they watch, under the environment each exports (database, cache, paths).

# Migrate, load the demo data and collect the static files.
prepare_site() {
  .venv/bin/python manage.py migrate --no-input -v0
  DEBUG=1 .venv/bin/python manage.py load_demo >/dev/null
  .venv/bin/python manage.py collectstatic --no-input -v0
}

# gunicorn (2 workers) on 127.0.0.1:$WEB_PORT, logging to $WORK/gunicorn.log; sets gunicorn_pid and
# returns once the home page answers (or after 20 seconds).
start_gunicorn() {
  echo "== gunicorn (2 workers) on 127.0.0.1:$WEB_PORT"
  .venv/bin/gunicorn disclosure_site.wsgi --bind "127.0.0.1:$WEB_PORT" --workers 2 --log-level warning \
    --error-logfile "$WORK/gunicorn.log" 2>>"$WORK/gunicorn.log" &
  gunicorn_pid=$!
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$WEB_PORT/" && break; sleep 0.2; done
}
