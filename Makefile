# Rempart — every target sets itself up: a fresh machine needs only Python 3.11 with pip.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/rempart demo --keep demo-output

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

bench: $(STAMP)
	$(BIN)/python bench/audit_bench.py
	$(BIN)/python bench/site_bench.py --install-anchor
	$(BIN)/python bench/mail_bench.py --install-anchor
	$(BIN)/python bench/logs_bench.py --install-anchor
	$(BIN)/python bench/web_bench.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
