# ppml-lab: everyday commands. GNU make on Linux or macOS; needs only Python >= 3.10.
#   make lab        JupyterLab on notebooks/00_start_here.ipynb
#   make test       the whole suite: unit tests, doctests, strict nbval, Binder, browser
#   make bench      every benchmarks/*.py script (not the _private helpers)
#   make notebooks  re-execute every notebook in place (commit the result)
#   make test-latest  the whole suite against the newest release of every dependency
#   make test-oldest  the whole suite against the lower bounds in pyproject.toml
#   make clean      remove caches and test artifacts (distclean: also .venv)
# Override e.g. `make test PYTHON=python3.12 VENV=/tmp/venv`.
# The test environment includes the `flower` extra (plain flwr, no Ray), so `make test`
# runs the localhost Flower deployment test instead of skipping it.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
TEST_EXTRAS := test,flower,present
# Extra JupyterLab options, e.g. LAB_ARGS="--no-browser --port=8899"; root needs --allow-root.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)

# The drift guard builds a separate environment for each (rebuilt on every run).
# test-oldest pins the package's and the test extra's requirements to their lower
# bounds (tools/drift.py reads them from pyproject.toml); the flower extra is left
# out there because flwr pins newer numpy and cryptography than the core needs, and
# so is notebook 13's strict nbval: its committed outputs are those of a kernel with
# Flower; there it is executed top to bottom without Flower instead (it must say how
# to install Flower, not fail).
OLDEST_EXTRAS := test,present
OLDEST_IGNORE := --ignore=notebooks/13_scaling_out_with_flower.ipynb

.PHONY: lab test bench notebooks clean distclean test-latest test-oldest

lab: $(VENV)/.installed-lab
	$(PY) -m jupyterlab $(LAB_ARGS) notebooks/00_start_here.ipynb

test: $(VENV)/.installed-$(TEST_EXTRAS)
	$(PY) -c "import matplotlib.pyplot"  # build the font cache before strict nbval
	$(PY) -m pytest

bench: $(VENV)/.installed-$(TEST_EXTRAS)
	@set -e; for script in benchmarks/[!_]*.py; do echo "== $$script"; $(PY) "$$script"; done

notebooks: $(VENV)/.installed-$(TEST_EXTRAS)
	$(PY) tools/execute_notebooks.py

test-latest:
	rm -rf $(VENV)-latest
	$(PYTHON) -m venv $(VENV)-latest
	$(VENV)-latest/bin/python -m pip install --quiet --upgrade pip
	$(VENV)-latest/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e ".[$(TEST_EXTRAS)]"
	$(VENV)-latest/bin/python tools/drift.py versions --extras $(TEST_EXTRAS)
	$(VENV)-latest/bin/python -c "import matplotlib.pyplot"
	$(VENV)-latest/bin/python -m pytest

test-oldest:
	rm -rf $(VENV)-oldest
	$(PYTHON) -m venv $(VENV)-oldest
	$(VENV)-oldest/bin/python tools/drift.py oldest-constraints --extras $(OLDEST_EXTRAS) > $(VENV)-oldest/constraints.txt
	$(VENV)-oldest/bin/python -m pip install --quiet -c $(VENV)-oldest/constraints.txt -e ".[$(OLDEST_EXTRAS)]"
	$(VENV)-oldest/bin/python tools/drift.py versions --extras $(OLDEST_EXTRAS)
	$(VENV)-oldest/bin/python -c "import matplotlib.pyplot"
	$(VENV)-oldest/bin/python -m pytest $(OLDEST_IGNORE)
	$(VENV)-oldest/bin/jupyter execute notebooks/13_scaling_out_with_flower.ipynb

# Reinstall only when pyproject.toml changes: the stamp is newer otherwise.
$(VENV)/.installed-%: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[$*]"
	touch $@

$(PY):
	@$(PYTHON) -c "import sys; sys.exit(sys.version_info < (3, 10) and \"Python >= 3.10 needed\")"
	$(PYTHON) -m venv $(VENV)

clean:
	rm -rf build dist *.egg-info .pytest_cache .hypothesis tests/browser/artifacts
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
