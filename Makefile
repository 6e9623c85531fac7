# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8899
DASHBOARD_PORT ?= 8501
SIZE ?= demo
SEED ?= 7
DB ?= data/crm.duckdb

.PHONY: demo test lint bench venv browser sandbox clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(BIN)/.installed

# Debian's Chromium for the browser tests (no browser download); skipped when already there.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

test: venv browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: venv
	$(BIN)/ruff check .

sandbox: venv
	$(BIN)/python -m connectors.sandbox --port $(PORT) --size $(SIZE) --seed $(SEED) \
		--state data/sandbox/portal-state.json

# The morning digest goes into the sandbox portal's notification webhook (scope im); About shows the log.
demo: export DOZHIM_NOTIFY_WEBHOOK_URL ?= http://127.0.0.1:$(PORT)/rest/1/imnotifysandbox1/
demo: export DOZHIM_DASHBOARD_URL ?= http://localhost:$(DASHBOARD_PORT)/
demo: venv
	$(BIN)/python -m scripts.demo --port $(PORT) --size $(SIZE) --seed $(SEED) --db $(DB) \
		--dashboard-port $(DASHBOARD_PORT)

# The large sandbox (100k deals, 2M activities): sync it, then time every metric and page on that snapshot.
BENCH_DB := data/bench/large-synced.duckdb
bench: venv
	$(BIN)/python -m bench.connector --keep $(BENCH_DB)
	$(BIN)/python -m bench.queries --db $(BENCH_DB)
	$(BIN)/python -m bench.dashboard --db $(BENCH_DB)

clean:
	rm -rf $(VENV) data artifacts
