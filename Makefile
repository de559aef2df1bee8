# Kennisgraaf: `make run` installs, builds and serves; `make test` installs and runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
NPM ?= npm
# The query editor (YASGUI) comes from the npm registry at the version pinned in package-lock.json
# and is served from our own origin: its build files are copied into endpoint/static/yasgui/
# (generated, not in git).
NODE_STAMP := node_modules/.install-stamp
YASGUI_BUILD := node_modules/@zazuko/yasgui/build
YASGUI_DIR := endpoint/static/yasgui
YASGUI_FILES := yasgui.min.js yasgui.min.js.map yasgui.min.css

.PHONY: help install browser build validate run test lint format typecheck bench clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

install: $(STAMP) $(YASGUI_DIR)/yasgui.min.js ## create .venv in the checkout with the project and its `kennisgraaf` command, and the query editor

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	@command -v $(NPM) >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1 || { \
	  echo "npm is missing: installing Debian's nodejs and npm"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	@command -v $(NPM) >/dev/null 2>&1 || { \
	  echo "npm is needed to install the query editor (YASGUI, from package-lock.json)."; \
	  echo "  Debian/Ubuntu: sudo apt-get install nodejs npm"; \
	  echo "  elsewhere: Node.js with npm, https://nodejs.org/"; exit 1; }
	$(NPM) ci --no-audit --no-fund --ignore-scripts
	touch $(NODE_STAMP)

$(YASGUI_DIR)/yasgui.min.js: $(NODE_STAMP)
	rm -rf $(YASGUI_DIR)
	mkdir -p $(YASGUI_DIR)
	cp $(addprefix $(YASGUI_BUILD)/,$(YASGUI_FILES)) $(YASGUI_DIR)/
	touch $(YASGUI_DIR)/yasgui.min.js

build: install ## map, validate and load data/ into a new release in store/
	$(BIN)/kennisgraaf build

validate: install ## check data/ without loading
	$(BIN)/kennisgraaf validate

run: build ## install, build, and serve at http://127.0.0.1:8000
	$(BIN)/kennisgraaf serve --host $(HOST) --port $(PORT)

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## apply ruff's formatting and fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install ## mypy over the packages
	$(BIN)/mypy

# The browser tests (Playwright, axe-core) drive Debian's chromium; Playwright's own browser
# download does not work offline, so the tests point it at this binary (KENNISGRAAF_CHROMIUM).
CHROMIUM ?= /usr/bin/chromium

browser: ## install Debian's chromium for the browser tests when it is missing
	@[ -x "$(CHROMIUM)" ] || command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1 || { \
	  echo "chromium is missing: installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@[ -x "$(CHROMIUM)" ] || command -v chromium >/dev/null 2>&1 || { \
	  echo "chromium is needed for the browser and accessibility tests."; \
	  echo "  Debian/Ubuntu: sudo apt-get install chromium (or set CHROMIUM=/path/to/chromium)"; exit 1; }

test: install browser lint typecheck ## install and run every test
	KENNISGRAAF_CHROMIUM="$$( [ -x "$(CHROMIUM)" ] && echo "$(CHROMIUM)" || command -v chromium )" $(BIN)/python -m pytest

bench: install ## benchmarks (bench/), figures for the README
	$(BIN)/python -m bench.build_bench
	@command -v wrk >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1 || { \
	  echo "wrk is missing: installing Debian's wrk (the endpoint benchmark's load driver)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "wrk is needed for the endpoint benchmark (a load driver cheaper than the servers)."; \
	  echo "  Debian/Ubuntu: sudo apt-get install wrk"; exit 1; }
	$(BIN)/python -m bench.endpoint_bench
	$(BIN)/python -m bench.pages_bench
	$(BIN)/python -m bench.export_bench

clean: ## remove the virtual environment, the built store and the installed query editor
	rm -rf $(VENV) store node_modules $(YASGUI_DIR)
