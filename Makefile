# 社银合作管理平台 — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1:8000

.PHONY: run test install install-test assets translations fonts setup lint typecheck migrations-check pytest browser-deps bench-deps clean

# The site and two Huey workers: the short queue (audit sealing, reminders, every periodic job) and the
# long queue (site recommendations), so sealing never waits behind a plan; Ctrl-C stops all three.
run: setup
	@$(MANAGE) run_huey --workers 1 >var/huey.log 2>&1 & HUEY=$$!; \
	$(MANAGE) run_huey_long --workers 1 >var/huey-long.log 2>&1 & HUEY_LONG=$$!; \
	trap 'kill $$HUEY $$HUEY_LONG 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver $(HOST)

setup: install assets translations fonts
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_reference
	$(MANAGE) seed_calendar
	$(MANAGE) seed_demo
	$(MANAGE) audit_seal

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

assets: node_modules/.package-lock.json
	$(PY) scripts/copy_assets.py

translations: install
	$(MANAGE) compile_translations

SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
APT := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq

# The CJK TrueType font embedded in PDFs (docs/decisions/0003-pdf-cjk-font.md).
fonts:
	@test -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc || ($(SUDO) apt-get update -qq && $(APT) fonts-wqy-zenhei)

# Debian's chromium for browser tests (never a downloaded browser) and poppler for PDF checks.
browser-deps: fonts
	@command -v chromium >/dev/null 2>&1 || ($(SUDO) apt-get update -qq && $(APT) chromium)
	@command -v pdftoppm >/dev/null 2>&1 || ($(SUDO) apt-get update -qq && $(APT) poppler-utils)
	@command -v msgfmt >/dev/null 2>&1 || ($(SUDO) apt-get update -qq && $(APT) gettext)

# What `python -m sheyin.bench load` needs: Locust in the venv (the `bench` extra), Redis, and Debian's
# nginx for `--hosts 2` (the balancer in front of two gunicorn instances); not needed by the tests or the site. The benchmark starts its own nginx with a generated
# configuration in a temporary folder, never the system's service.
$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(PIP) install -q -e ".[bench]"
	touch $@

bench-deps: $(VENV)/.installed-bench
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || ($(SUDO) apt-get update -qq && $(APT) nginx-light)
	@command -v redis-server >/dev/null 2>&1 || ($(SUDO) apt-get update -qq && $(APT) redis-server)

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: install-test
	$(VENV)/bin/mypy sheyin config

migrations-check: install-test
	$(MANAGE) makemigrations --check --dry-run

pytest: install-test assets translations browser-deps
	$(VENV)/bin/pytest -n 2 -q -rs

test: lint typecheck migrations-check pytest

clean:
	rm -rf $(VENV) node_modules sheyin/static/vendor db.sqlite3*
