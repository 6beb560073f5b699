# escrutinio: `make demo` and `make test` each build .venv from scratch when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DIR ?= demo-output

.PHONY: demo test test-fast browser lint typecheck check bench clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/run_demo.py --out $(DEMO_DIR)

# the conftest.py files that share a module name with another are checked in runs of their own
MYPY_ALONE := tests/verify/conftest.py tests/tally/conftest.py

# Browser tests drive Debian's chromium; install it when missing (CI runs as root).
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium is missing and cannot be installed here: browser tests will be skipped"; fi

browser: $(CHROMIUM)

test: $(STAMP) browser
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/mypy
	for f in $(MYPY_ALONE); do $(BIN)/mypy $$f || exit 1; done
	$(BIN)/pytest -q

# everything but the tests marked slow (make test runs them all)
test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples

typecheck: $(STAMP)
	$(BIN)/mypy
	for f in $(MYPY_ALONE); do $(BIN)/mypy $$f || exit 1; done

bench: $(STAMP)
	$(BIN)/python bench/ingest_tally.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
