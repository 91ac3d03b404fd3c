# consensus-sim: `make demo` sets everything up and runs the Tokyo scenario;
# `make test` sets everything up and runs the whole test suite.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
OUT ?= results/nato_tokyo_office

.PHONY: demo test venv browser lint bench clean

$(VENV)/.installed: pyproject.toml scripts/find-python.sh
	@set -e; if [ ! -x $(PY) ]; then \
	  py=$$(scripts/find-python.sh); echo "creating $(VENV) with $$py"; \
	  "$$py" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	@touch $@

# Bytecode for the package's own modules (an editable install has none, and where
# PYTHONDONTWRITEBYTECODE is set Python would compile them at every start).
venv: $(VENV)/.installed
	@$(PY) -m compileall -q src

demo: venv
	$(VENV)/bin/consensus-sim run nato_tokyo_office --out $(OUT)

test: venv browser
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(PY) -m pytest -q tests notebooks --nbmake

# Debian's chromium for the dashboard's browser test (Playwright drives it; it never
# downloads a browser of its own).
browser:
	bash scripts/install-browser.sh

lint: venv
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

bench: venv
	$(PY) benchmarks/bench_ensemble.py
	$(PY) benchmarks/bench_sweep.py

clean:
	rm -rf $(VENV) results build *.egg-info src/*.egg-info .pytest_cache
