# Two commands on a fresh machine: `make dashboard` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# PORT=8900 make dashboard (or lab, or slides) serves there; unset, each uses its own default port.
PORT ?=
# The browser tests drive Debian's Chromium; Playwright cannot download its own here.
CHROMIUM ?= /usr/bin/chromium
# The JupyterHub test's proxy, from npm, beside the venv (where dashboards/jupyterhub_config.py looks).
# 5.2: 5.3 wants a newer Node (its commander: 22.12) than Debian's 20.
NPM ?= /usr/bin/npm
PROXY := $(VENV)/node/node_modules/.bin/configurable-http-proxy
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Jupyter refuses to run as root unless told (containers, CI).
AS_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)


.PHONY: setup dashboard lab slides test lint fuzz clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

dashboard: $(STAMP)
	$(BIN)/casereport dashboard --port $(or $(PORT),8866)

# JupyterLab on the teaching series, without its offers to fetch news or check for updates; on PORT when given
# (that port or none: JupyterLab would otherwise move to the next free one).
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks --LabApp.app_settings_dir=dashboards/jupyter/lab-settings $(AS_ROOT) \
		$(if $(PORT),--ServerApp.port=$(PORT) --ServerApp.port_retries=0)

# make slides NOTEBOOK=notebooks/02-liver-enzymes-and-ctcae.ipynb
NOTEBOOK ?= notebooks/01-presentation-and-timeline.ipynb
slides: $(STAMP)
	$(BIN)/casereport slides $(NOTEBOOK) --port $(or $(PORT),8866)

# Style, the layers' import contract (apps > charts > derive > data), and the types.
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq chromium

$(NPM):
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq npm

$(PROXY): | $(NPM)
	$(NPM) install --prefix $(VENV)/node --no-audit --no-fund --silent configurable-http-proxy@~5.2.0

test: $(STAMP) $(CHROMIUM) $(PROXY) lint
	$(BIN)/python -m pytest -n auto -m "not server"
	# The browser tests share one Voila server, so they run in one process (xdist's
	# loadgroup no longer groups them under pytest 9.2: pytest-dev/pytest-xdist#1386).
	$(BIN)/python -m pytest -m server
	$(BIN)/python -m pytest -n auto --dist loadfile --nbval-lax -p no:cacheprovider notebooks dashboards

# Many more damaged copies of the bundled cases than make test tries (nightly-style): FUZZ_EXAMPLES=5000 make fuzz
FUZZ_EXAMPLES ?= 1000
fuzz: $(STAMP)
	CASEREPORT_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/test_fuzz.py -p no:cacheprovider --timeout=0 --hypothesis-show-statistics

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
