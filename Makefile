# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PYTHON := $(VENV)/bin/python
FLASK := FLASK_APP=app.py $(VENV)/bin/flask
TRANSLATIONS := helpdesk/translations

.PHONY: run test test-sqlite test-pg lint format system-deps translations i18n-update bench

$(VENV)/.runtime: requirements.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

# Compiled catalogues are build output (not committed).
translations: $(VENV)/.runtime
	$(VENV)/bin/pybabel compile -d $(TRANSLATIONS)

# A random session-signing key, generated once and kept (readable by the owner
# only); config.py reads it when SECRET_KEY is not set in the environment.
instance/secret_key:
	mkdir -p instance
	umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_hex(32))' > $@.tmp && mv $@.tmp $@

# The web workers and the scheduler count into one folder, read by /metrics
# (prometheus_client's multiprocess mode); emptied here before either starts.
METRICS_DIR := $(CURDIR)/instance/prometheus

run: $(VENV)/.dev translations instance/secret_key
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo load
	rm -rf $(METRICS_DIR) && mkdir -p $(METRICS_DIR)
	@echo "Serving on http://127.0.0.1:5000 with the scheduler; e-mails are printed"
	@echo "here by a local SMTP sink on 127.0.0.1:8025. Ctrl-C stops everything."
	@echo "Metrics: http://127.0.0.1:5000/metrics (from this machine)."
	@export SMTP_PORT=8025 BASE_URL=http://127.0.0.1:5000; \
	$(PYTHON) -m aiosmtpd -n -l 127.0.0.1:8025 & sink=$$!; \
	export PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR); \
	$(FLASK) scheduler & scheduler=$$!; \
	trap 'kill $$scheduler $$sink 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn -c ops/gunicorn.conf.py --workers 2 --bind 127.0.0.1:5000 \
		--access-logfile - 'app:create_app()'

# The whole suite: lint, then every test on SQLite and on a real PostgreSQL.
# pytest-xdist spreads each suite over the cores; every worker has its own
# SQLite file or its own PostgreSQL server (tests/conftest.py). One suite after
# the other: side by side they were slower on 2 cores.
test: lint test-sqlite test-pg

PYTEST := $(PYTHON) -m pytest -q -p no:cacheprovider -n auto

test-sqlite: $(VENV)/.dev translations system-deps
	$(PYTEST)

test-pg: $(VENV)/.dev translations system-deps
	HELPDESK_TEST_DB=postgresql $(PYTEST) -m "not browser"

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Debian packages the tests use: PostgreSQL and IMAP (dovecot) servers, Chromium.
system-deps:
	scripts/install-system-deps

# After adding strings: extract, merge into every catalogue, then translate.
i18n-update: $(VENV)/.dev
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k N_ --ignore-dirs=".venv instance" \
		--sort-by-file -o $(TRANSLATIONS)/messages.pot .
	$(VENV)/bin/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) \
		--no-fuzzy-matching --ignore-obsolete

bench: $(VENV)/.dev system-deps
	$(PYTHON) bench/run_all.py
