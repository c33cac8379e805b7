# The two commands that matter: `make run` (the product, embedded defaults) and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# Embedded defaults: DEBUG on (secrets generated under var/), SQLite, file-system broker.
export DEBUG ?= true
export PYTHONUNBUFFERED := 1

.PHONY: run setup test lint format migrate messages bench screenshots clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.run-deps $@

## run: install, migrate, create the demo admin and (with no real PBX) the demo PBX, start everything
# Ctrl-C (exit status 130) is how it is meant to stop, not an error.
run: setup
	$(VENV)/bin/honcho start $$(cat var/run-processes) banner || [ $$? -eq 130 ]

## setup: what `make run` does before it starts the processes (run it alone to prepare a checkout)
setup: $(VENV)/.run-deps .env
	$(MANAGE) migrate --noinput
	$(MANAGE) ensure_admin
	$(MANAGE) demo_pbx --processes-file var/run-processes --port $${DEMO_PBX_PORT:-4021}

# What `make run` configured, for every `manage.py` command in this checkout (written once; edit
# it freely afterwards). Holds no secret: in DEBUG they are generated under var/.
.env:
	@{ echo "# Written by make run: manage.py in this checkout reads it too (see .env.example)."; \
	   echo "DEBUG=$(DEBUG)"; \
	   [ -z "$$DATABASE_URL" ] || echo "DATABASE_URL=$$DATABASE_URL"; \
	   [ -z "$$REDIS_URL" ] || echo "REDIS_URL=$$REDIS_URL"; } > $@
	@echo "Wrote .env (DEBUG=$(DEBUG))."

## test: lint, check migrations, then the whole test suite
test: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check
	$(PY) -m pytest

lint: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check .

format: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: $(VENV)/.run-deps
	$(MANAGE) migrate --noinput

## messages: extract and compile the uz / ru / en catalogues (needs gettext)
messages: $(VENV)/.run-deps
	$(MANAGE) makemessages --locale uz --locale ru --locale en --ignore ".venv/*" --no-obsolete
	$(MANAGE) compilemessages --ignore ".venv/*"

## screenshots: PNGs of the main pages with demo data, into docs/screenshots/ (needs chromium)
screenshots: $(VENV)/.dev-deps
	$(PY) scripts/screenshots.py

## bench: sync, incremental sync, live and page benchmarks on PostgreSQL (docs/BENCHMARKS.md);
## BENCH_ARGS=--big adds the 1,000,000-record sync. PostgreSQL: BENCH_PG (default 127.0.0.1:5432).
bench: $(VENV)/.dev-deps
	$(PY) bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
