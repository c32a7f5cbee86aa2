# Crowdpick: the commands a person types. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := webapp
HOST ?= 127.0.0.1
PORT ?= 5000

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -hE '^[a-z][a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamps re-install only when pyproject.toml changes, so a second `make run` starts at once.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed-app $@

install: $(VENV)/.installed-app ## Create .venv and install the app

migrate: install ## Apply database migrations
	$(BIN)/flask db upgrade

demo: migrate ## Import the demo comparisons and seed demo activity (idempotent)
	$(BIN)/flask crowdpick import webapp/catalog/demo
	$(BIN)/flask crowdpick demo seed

run: demo ## Install, migrate, load demo content and serve on http://127.0.0.1:5000
	@if [ -n "$$CROWDPICK_SMTP_HOST" ]; then echo "E-mail: sent over SMTP via $$CROWDPICK_SMTP_HOST"; \
	else echo "E-mail: no CROWDPICK_SMTP_HOST, so mails are written as .eml files to $${CROWDPICK_INSTANCE_PATH:-$(CURDIR)/instance}/outbox/"; fi
	$(BIN)/flask run --host $(HOST) --port $(PORT)

CHROMIUM ?= /usr/bin/chromium
# Browser tests drive Debian's Chromium: install it when missing and the machine allows it
# (root with apt). Otherwise browser tests skip locally and fail under CI=true.
worker: install ## Run a Celery worker (needs REDIS_URL and DATABASE_URL)
	$(BIN)/celery -A workers.celery_app worker --loglevel=INFO

beat: install ## Run Celery beat: the periodic verdict sweep (needs REDIS_URL)
	$(BIN)/celery -A workers.celery_app beat --loglevel=INFO --schedule instance/celerybeat-schedule

chromium: ## Install Debian's chromium for browser tests when missing (root + apt only)
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium package..."; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -qq chromium >/dev/null 2>&1 || \
	      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null; } || \
	      echo "Could not install chromium: browser tests cannot run."; \
	  else echo "No $(CHROMIUM), and this user cannot apt-get install it."; fi; \
	fi

# tests/browser/test_axe.py injects axe-core into each page: a pinned release from the npm
# registry, checked against its published sha512 before anything is extracted. Without npm
# or the registry the file stays missing, and the test skips locally and fails under CI=true;
# a wrong checksum stops make.
AXE_VERSION := 4.14.1
AXE_SHA512 := FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
AXE_DIR := build/axe
AXE_JS := $(AXE_DIR)/axe-$(AXE_VERSION).min.js
AXE_TGZ := $(AXE_DIR)/axe-core-$(AXE_VERSION).tgz

$(AXE_JS):
	@mkdir -p $(AXE_DIR)
	@if ! command -v npm >/dev/null; then echo "No npm: cannot fetch axe-core (the axe scan cannot run)."; \
	elif ! (cd $(AXE_DIR) && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null); then \
	  echo "npm pack axe-core@$(AXE_VERSION) failed (the axe scan cannot run)."; \
	else \
	  got=$$(openssl dgst -sha512 -binary $(AXE_TGZ) | base64 -w0); \
	  if [ "$$got" != "$(AXE_SHA512)" ]; then \
	    echo "$(AXE_TGZ): sha512 $$got, expected $(AXE_SHA512)"; rm -f $(AXE_TGZ); exit 1; fi; \
	  tar -xzf $(AXE_TGZ) -O package/axe.min.js > $@.part && mv $@.part $@ && rm -f $(AXE_TGZ); \
	  echo "axe-core $(AXE_VERSION) (sha512 checked) in $@"; \
	fi

axe: $(AXE_JS) ## Fetch the pinned axe-core (npm registry, sha512-checked) for the a11y test

NGINX ?= /usr/sbin/nginx
# tests/ops/test_nginx.py runs deploy/nginx.conf in front of gunicorn: install Debian's
# nginx when missing and allowed (root with apt; policy-rc.d keeps apt from starting it).
nginx: ## Install Debian's nginx for the reverse-proxy test when missing (root + apt only)
	@if [ ! -x $(NGINX) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's nginx package..."; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -qq nginx >/dev/null 2>&1 || \
	      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq nginx >/dev/null; } || \
	      echo "Could not install nginx: the reverse-proxy test cannot run."; \
	  else echo "No $(NGINX), and this user cannot apt-get install it."; fi; \
	fi

test: $(VENV)/.installed-dev chromium nginx axe ## Install test dependencies and run the whole suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev ## Run ruff and the layer contracts (import-linter, .importlinter)
	$(BIN)/ruff check webapp workers tests bench
	$(BIN)/lint-imports

$(VENV)/.installed-mutate: pyproject.toml | $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -e '.[dev,mutate]'
	touch $@

mutate: $(VENV)/.installed-mutate ## Mutation testing (mutmut) of scoring, trust, voting and markup; not in CI
	bash bench/mutate.sh
	$(BIN)/ruff format --check webapp workers tests bench

bench: $(VENV)/.installed-dev ## Run the benchmarks and print their tables
	@ls bench/*.py >/dev/null 2>&1 && for f in bench/bench_*.py; do $(BIN)/python $$f || exit 1; done || echo "no benchmarks yet"

simulate: $(VENV)/.installed-dev ## Run the brigade simulation and print its table (docs/simulation.md)
	$(BIN)/python bench/simulate.py

# Pinned versions with hashes for the Docker image, resolved from pyproject.toml's ranges
# on PyPI alone (this machine's pip settings and local wheel folders are left out).
# Existing pins are kept while they still fit; `make lock UPGRADE=1` takes the newest.
lock: $(VENV)/.installed-dev ## Re-resolve requirements/deploy.txt (pinned + hashed) from pyproject.toml
	mkdir -p requirements
	env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT PIP_CONFIG_FILE=/dev/null \
	  $(BIN)/pip-compile --quiet $(if $(UPGRADE),--upgrade) --generate-hashes --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links --output-file requirements/deploy.txt pyproject.toml

$(VENV)/.installed-soak: pyproject.toml $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -e '.[dev,soak]'
	touch $@

soak: $(VENV)/.installed-soak ## 5-minute Locust soak against gunicorn + workers (docs/soak.md)
	$(BIN)/python bench/soak/run.py $(SOAK_ARGS)

clean: ## Remove the virtualenv and caches (keeps instance/ data)
	rm -rf $(VENV) .pytest_cache build *.egg-info

.PHONY: help install migrate demo run worker beat chromium nginx axe test lint bench simulate lock soak clean
