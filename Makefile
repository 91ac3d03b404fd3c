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
	@echo "installing consensus-sim and its dependencies into $(VENV) (about 1.1 GB;"
	@echo "several minutes on a slow network): pip lists each package as it fetches it"
	$(PY) -m pip install --disable-pip-version-check -e ".[test]"
	@touch $@

# Bytecode for the package's own modules (an editable install has none, and where
# PYTHONDONTWRITEBYTECODE is set Python would compile them at every start).
venv: $(VENV)/.installed
	@$(PY) -m compileall -q src

demo: venv
	$(VENV)/bin/consensus-sim run nato_tokyo_office --out $(OUT)

# In CI (CI=true) the browser test's Chromium is installed first; elsewhere `make
# test` changes nothing outside the project, and the browser test skips with one
# line (-rs prints it) when the browser is missing: `make browser` installs it.
test: venv $(if $(filter true,$(CI)),browser)
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(PY) -m pytest -q -rs tests notebooks --nbmake

# Debian's chromium for the dashboard's browser test (Playwright drives it; it never
# downloads a browser of its own): installs a system package with apt-get (as root,
# or with sudo), and caches Solara's front-end files in the venv.
browser: venv
	@echo "make browser: installs Debian's chromium with apt-get if it is missing (a system package)"
	bash scripts/install-browser.sh

lint: venv
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

bench: venv
	$(PY) benchmarks/bench_ensemble.py
	$(PY) benchmarks/bench_sweep.py

clean:
	rm -rf $(VENV) results build *.egg-info src/*.egg-info .pytest_cache
