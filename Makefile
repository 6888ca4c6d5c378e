# DataPilot: `make serve` runs the app, `make test` runs the tests. Both set themselves up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test test-unit lint format bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	@if pkg-config --exists libmariadb || pkg-config --exists mysqlclient; then \
		$(BIN)/pip install --quiet -e ".[mysql]"; \
	else \
		echo "note: MySQL/MariaDB connections need libmariadb-dev (apt-get install libmariadb-dev); skipped"; \
	fi
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)  ## run the app on http://127.0.0.1:5006 with demo data
	$(BIN)/datapilot serve

test: $(STAMP)  ## the whole test suite (PostgreSQL and browser parts run when available)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy --strict pipelines
	$(BIN)/python .ci/mypy_ratchet.py
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)  ## benchmarks: ratios against raw DuckDB / pandas in the same run
	$(BIN)/pytest tests/benchmarks -s

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
