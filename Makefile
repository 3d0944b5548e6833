# b12explore: two commands from a fresh clone.
#   make lab   - set up .venv (once) and start JupyterLab on the explorer notebook
#   make test  - set up .venv with the test extra (once) and run the whole suite
#                (unit tests, doctests, notebooks with nbval, server and browser tests;
#                a bare `pytest` runs only the fast unit tests and doctests)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8888
HOST   ?= 127.0.0.1
# `make lab` serves LAB_ROOT (the repository) and opens NOTEBOOK, a path inside LAB_ROOT;
# `make dashboard` serves NOTEBOOK (tests pass a temporary copy for both).
LAB_ROOT ?= $(CURDIR)
NOTEBOOK ?= notebooks/explorer.ipynb
# Extra flags passed to jupyter lab / voila / `b12explore export`: make lab ARGS="--port 9999"
ARGS ?=
# Default folder of `make export` (ARGS="--out DIR" replaces it).
OUT ?= exports/cli
# Project-local Jupyter settings (news pop-up off); your own ~/.jupyter still applies.
PROJECT_JUPYTER := $(CURDIR)/.jupyter-config

.PHONY: lab test dashboard notebooks lint format bench validate export clean

# Exact versions (pyproject.toml holds ranges); see the file's header.
CONSTRAINTS := .ci/constraints.txt
PIP_INSTALL := $(BIN)/python -m pip install --quiet -c $(CONSTRAINTS)

# Stamp files: re-install only when pyproject.toml or the constraints change.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-lab: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP_INSTALL) -e '.[lab]'
	touch $@

$(VENV)/.installed-test: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP_INSTALL) -e '.[test]'
	touch $@ $(VENV)/.installed-lab

$(VENV)/.installed-bench: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP_INSTALL) -e '.[test,bench]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed-lab

# One URL is printed (Jupyter's own start-up lines are silenced with --log-level=WARN);
# the token is generated here unless JUPYTER_TOKEN is set. --allow-root: containers and
# CI run as root, where Jupyter would otherwise refuse to start.
lab: $(VENV)/.installed-lab
	@token="$${JUPYTER_TOKEN:-$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(24))')}"; \
	echo ""; \
	echo "    Open the explorer: http://$(HOST):$(PORT)/lab/tree/$(NOTEBOOK)?token=$$token"; \
	echo "    (JupyterLab serves $(LAB_ROOT); Ctrl-C stops it)"; \
	echo ""; \
	exec env -u JUPYTER_TOKEN PYTHONWARNINGS=ignore::DeprecationWarning \
		JUPYTER_CONFIG_PATH="$(PROJECT_JUPYTER)$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
		$(BIN)/jupyter lab --no-browser --allow-root --ip=$(HOST) --port=$(PORT) \
		--ServerApp.port_retries=0 --ServerApp.root_dir="$(LAB_ROOT)" \
		--IdentityProvider.token="$$token" --Application.log_level=WARN $(ARGS)

# The b12explore Voila template (b12explore/share/jupyter) serves every asset locally (works offline).
dashboard: $(VENV)/.installed-lab
	JUPYTER_PATH="$(CURDIR)/b12explore/share/jupyter$${JUPYTER_PATH:+:$$JUPYTER_PATH}" \
	$(BIN)/voila --no-browser --token --template=b12explore --Voila.ip=$(HOST) --port=$(PORT) \
		$(ARGS) $(NOTEBOOK)

# Every chart, the deck and the citations of a filtered view: make export ARGS="--route oral"
export: $(VENV)/.installed-lab
	$(BIN)/python -m b12explore export --out $(OUT) $(ARGS)

test: $(VENV)/.installed-test
	$(BIN)/ruff check b12explore tests benchmarks .ci/clean_notebooks.py
	$(BIN)/ruff format --check b12explore tests benchmarks .ci/clean_notebooks.py
	$(BIN)/python -m pytest -m "" --nbval-lax --nbval-current-env b12explore tests notebooks

# Re-execute every notebook in place, top to bottom (regenerates stored outputs).
# Then strip saved widget state and run timestamps, so a re-run changes only real outputs.
notebooks: $(VENV)/.installed-test
	cd notebooks && ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.record_timing=False --ExecutePreprocessor.store_widget_state=False \
		*.ipynb
	$(BIN)/python .ci/clean_notebooks.py notebooks/*.ipynb

validate: $(VENV)/.installed-lab
	$(BIN)/python -m b12explore validate data

lint: $(VENV)/.installed-test
	$(BIN)/ruff check b12explore tests benchmarks .ci/clean_notebooks.py

format: $(VENV)/.installed-test
	$(BIN)/ruff format b12explore tests benchmarks .ci/clean_notebooks.py
	$(BIN)/ruff check --fix b12explore tests benchmarks .ci/clean_notebooks.py

bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/load.py
	$(BIN)/python benchmarks/pool.py
	$(BIN)/python benchmarks/export.py
	$(BIN)/python benchmarks/interaction.py
	$(BIN)/python benchmarks/scale.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
