# Kennisgraaf: `make run` installs, builds and serves; `make test` installs and runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install build validate run test lint format typecheck bench clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

install: $(STAMP) ## create .venv in the checkout with the project and its `kennisgraaf` command

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

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

test: install lint typecheck ## install and run every test
	$(BIN)/python -m pytest

bench: install ## benchmarks (bench/), figures for the README
	$(BIN)/python -m bench.build_bench

clean: ## remove the virtual environment and the built store
	rm -rf $(VENV) store
