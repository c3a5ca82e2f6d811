# Rotation Monitor: `make site` sets everything up and builds the site from the built-in sample
# data (offline); `make test` runs the tests. Both create .venv from requirements.lock first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SOURCE ?= sample
WEEKS  ?= 4

.PHONY: site test lint format serve bench clean

site: $(STAMP)
	$(BIN)/rotation backfill --source $(SOURCE) --weeks $(WEEKS)
	$(BIN)/rotation build --source $(SOURCE)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

serve: site
	$(BIN)/mkdocs serve --livereload -f .build/mkdocs.yml

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

clean:
	rm -rf site .build .cache data/posts/sample
