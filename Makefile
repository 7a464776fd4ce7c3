# Kabinet: `make run` serves the demo utility, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PRESET ?= lv
export DJANGO_SETTINGS_MODULE ?= kabinet.settings

.PHONY: venv chromium run test test-pg browser-test lint bench messages migrate demo clean prod-check restore-drill

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

migrate: venv
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo --if-empty --preset $(PRESET) --url http://$(HOST):$(PORT)

run: demo
	@$(PY) manage.py seed_demo --logins --url http://$(HOST):$(PORT)
	SITE_URL=$(or $(SITE_URL),http://$(HOST):$(PORT)) $(PY) manage.py runserver $(HOST):$(PORT)

# The browser tests drive Debian's Chromium (Playwright's own browser download is not
# used); the meter-photo tests read digits with Debian's tesseract-ocr. Installed here
# when missing and possible (root with apt-get).
CHROMIUM ?= /usr/bin/chromium
chromium:
	@if [ ! -x "$(CHROMIUM)" ] || ! command -v tesseract >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium (browser tests) and tesseract-ocr (meter photos)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core fonts-liberation tesseract-ocr; \
	  elif [ ! -x "$(CHROMIUM)" ]; then \
	    echo "the browser tests need Chromium at $(CHROMIUM): sudo apt-get install chromium tesseract-ocr" >&2; exit 1; \
	  else \
	    echo "the meter-photo OCR tests are skipped without tesseract: sudo apt-get install tesseract-ocr" >&2; \
	  fi; \
	fi

test: venv chromium
	$(PY) -m pytest -q

test-pg: venv
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/kabinet} $(PY) -m pytest -q

browser-test: venv chromium
	$(PY) -m pytest -q -m browser

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: venv
	$(PY) -m bench

# The production stack on this machine: the systemd units' command lines (not containers),
# PostgreSQL, Redis, nginx with TLS, checked end to end (deploy/prod_check.py).
prod-check: venv
	$(PY) deploy/prod_check.py

# Restore the latest backup (`manage.py backup`, nightly by deploy/backup/) into a scratch
# database, compare rows and ledger and payment sums with the source, drop it (README, "Backups").
# In production with the deployment's environment and BACKUP_DIR: README, "Backups".
restore-drill: venv
	$(PY) manage.py restore_drill $(if $(BACKUP_DIR),--dir $(BACKUP_DIR))

messages: venv
	$(PY) manage.py makemessages -l ru -l lv -l en --no-location --no-obsolete --ignore='.venv/*' --ignore='var/*' --ignore='bench/*'
	$(PY) manage.py compilemessages --ignore='.venv/*'

clean:
	rm -rf $(VENV) var
