# Two commands on a fresh machine: `make dashboard` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8866

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

test: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/python -m pytest -n auto
	$(BIN)/python -m pytest -n auto --dist loadfile --nbval-lax -p no:cacheprovider notebooks dashboards

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
