# Two commands for a new machine: `make run` (demo site on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint install migrate demo clean

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11（$(PYTHON)）：Debian 上请安装 python3.11 与 python3.11-venv。"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: export DEBUG ?= 1
run: $(STAMP)
	mkdir -p var
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo
	@echo "打开 http://$(HOST):$(PORT)/ （公开站点）和 http://$(HOST):$(PORT)/admin/ （管理后台）；按 Ctrl+C 停止。"
	$(PY) manage.py runserver $(HOST):$(PORT)

# SQLite by default; PostgreSQL when DATABASE_URL is set. REQUIRE_POSTGRES=1, REQUIRE_BROWSER=1 and
# REQUIRE_REDIS=1 turn the skips of tests needing those into failures (CI sets them).
PYTEST_WORKERS ?= 2
test: $(STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/djlint --lint templates $(wildcard */templates)
	$(VENV)/bin/bandit -q -c pyproject.toml -r disclosure_site catalog requests_app annual_reports workplans inspection
	$(PY) -m pytest -q -n 0 tests/test_migrations.py \
		tests/disclosure_site/test_env.py::test_deploy_check_is_clean_in_production_mode

clean:
	rm -rf $(VENV) var/static
