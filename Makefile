PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SEED := ../shared/data/seed-work-plans-2022.txt

.PHONY: run test check bench clean

$(BIN)/duban: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/duban
	$(BIN)/duban parse $(SEED)

test: $(BIN)/duban
	$(BIN)/pytest -q

check: $(BIN)/duban
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(BIN)/duban
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/parse.py

clean:
	rm -rf $(VENV) build *.egg-info
