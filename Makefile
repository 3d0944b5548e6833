# b12explore: two commands from a fresh clone.
#   make lab   - set up .venv (once) and start JupyterLab on the explorer notebook
#   make test  - set up .venv with the test extra (once) and run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8888
HOST   ?= 127.0.0.1
# Notebook opened by `make lab` / served by `make dashboard` (tests pass a temporary copy).
NOTEBOOK ?= notebooks/explorer.ipynb

.PHONY: lab test dashboard notebooks lint format bench validate clean

# Stamp files: re-install only when pyproject.toml changes.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-lab: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-lab

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed-lab

lab: $(VENV)/.installed-lab
	$(BIN)/jupyter lab --no-browser --ip=$(HOST) --port=$(PORT) $(NOTEBOOK)

# The b12explore Voila template (share/jupyter) serves every asset locally (works offline).
dashboard: $(VENV)/.installed-lab
	JUPYTER_PATH="$(CURDIR)/share/jupyter$${JUPYTER_PATH:+:$$JUPYTER_PATH}" \
	$(BIN)/voila --no-browser --token --template=b12explore --Voila.ip=$(HOST) --port=$(PORT) $(NOTEBOOK)

test: $(VENV)/.installed-test
	$(BIN)/ruff check b12explore tests benchmarks
	$(BIN)/ruff format --check b12explore tests benchmarks
	$(BIN)/python -m pytest

# Re-execute every notebook in place, top to bottom (regenerates stored outputs).
notebooks: $(VENV)/.installed-test
	cd notebooks && ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace *.ipynb

validate: $(VENV)/.installed-lab
	$(BIN)/python -m b12explore validate data

lint: $(VENV)/.installed-test
	$(BIN)/ruff check b12explore tests benchmarks

format: $(VENV)/.installed-test
	$(BIN)/ruff format b12explore tests benchmarks
	$(BIN)/ruff check --fix b12explore tests benchmarks

bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/load.py
	$(BIN)/python benchmarks/pool.py
	$(BIN)/python benchmarks/export.py
	$(BIN)/python benchmarks/interaction.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
