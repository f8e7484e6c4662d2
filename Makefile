PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check bench clean

$(BIN)/duban: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/duban
	$(BIN)/duban plans check
	$(BIN)/duban serve

tests/js/node_modules: tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund --loglevel=error

test: $(BIN)/duban tests/js/node_modules
	$(BIN)/pytest -q

check: $(BIN)/duban
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(BIN)/duban
	$(BIN)/pip install --quiet -e '.[bench]'
	command -v wrk >/dev/null || apt-get install -y -qq wrk || true
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/cli.py
	$(BIN)/python bench/accuracy.py
	$(BIN)/python bench/schedule.py
	$(BIN)/python bench/deliver.py
	$(BIN)/python bench/feeds.py
	$(BIN)/python bench/hostile.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/pages.py

clean:
	rm -rf $(VENV) build *.egg-info
