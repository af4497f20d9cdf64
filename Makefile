# Two commands on a fresh machine: `make dashboard` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8866
# The browser tests drive Debian's Chromium; Playwright cannot download its own here.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup dashboard test lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

dashboard: $(STAMP)
	$(BIN)/casereport dashboard --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq chromium

test: $(STAMP) $(CHROMIUM)
	$(BIN)/ruff check src tests benchmarks
	# loadgroup keeps the browser tests on one worker, sharing one Voila server.
	$(BIN)/python -m pytest -n auto --dist loadgroup
	$(BIN)/python -m pytest -n auto --dist loadfile --nbval-lax -p no:cacheprovider notebooks dashboards

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
