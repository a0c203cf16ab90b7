# pilotkg — every target sets up what it needs (.venv, npm assets, the built graph).
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
YASGUI  := server/static/vendor/yasgui/yasgui.min.js
SOURCES := $(wildcard data/sources/*)
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: build serve test lint bench assets clean venv debs

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# YASGUI from the npm registry into a git-ignored folder; without npm the query page uses a CDN.
assets: $(YASGUI)

$(YASGUI):
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p build/npm && cp server/package.json build/npm/ && \
	  (cd build/npm && npm install --no-audit --no-fund --loglevel=error) && \
	  mkdir -p $(dir $(YASGUI)) && \
	  cp build/npm/node_modules/@zazuko/yasgui/build/yasgui.min.js build/npm/node_modules/@zazuko/yasgui/build/yasgui.min.css $(dir $(YASGUI)); \
	else echo "npm not found: the query page will load YASGUI from a CDN"; fi

dist/SHA256SUMS: $(STAMP) $(SOURCES) $(shell find ontology vocab shapes loaders graph pilotkg -type f -not -path '*/__pycache__/*')
	$(BIN)/pilotkg build

build: dist/SHA256SUMS

serve: build assets
	$(BIN)/pilotkg serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Debian packages the tests drive: Chromium (browser tests), Virtuoso (a real remote store),
# HAProxy (two replicas behind a balancer).
# Installed when missing and this runs as root; otherwise the tests that need them skip.
DEBS := chromium:chromium virtuoso-t:virtuoso-opensource haproxy:haproxy
debs:
	@missing=""; for pair in $(DEBS); do command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "not root: the tests that need$$missing will skip"; fi; \
	fi

test: build assets debs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

# The endpoint benchmark drives both servers with wrk (Debian's package), installed when missing.
bench: build
	$(BIN)/python bench/build_bench.py
	$(BIN)/python bench/kinds_bench.py
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/endpoint_bench.py

clean:
	rm -rf dist .dist-* .dist.lock build .pytest_cache
