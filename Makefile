# Two commands for a newcomer: `make demo` (install + run the pipeline on the demo) and
# `make test` (install + lint + the test suite). Everything lands in .venv and .achievement.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
export ACHIEVEMENT_HOME ?= $(CURDIR)/.achievement
export DAGSTER_HOME ?= $(ACHIEVEMENT_HOME)/dagster
export LITELLM_LOCAL_MODEL_COST_MAP := True
export GX_ANALYTICS_ENABLED := false
export MLFLOW_DISABLE_TELEMETRY := true
export DO_NOT_TRACK := 1

.PHONY: install demo ui test lint clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

demo: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/achievement-demo

ui: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/achievement-ui --port 3000 --exports-port 3001

lint: install
	$(BIN)/ruff check achievement_pipeline tests bench deploy docs

# Locally the slow tests (browser, whole-corpus and busiest-quarter runs) are left out, which keeps
# a run within about ten minutes; CI (CI=true) runs every test. PYTEST_ARGS overrides the choice.
PYTEST_ARGS ?= $(if $(filter true 1,$(CI)),,-m "not slow")

test: lint
	$(BIN)/pytest -q $(PYTEST_ARGS)

clean:
	rm -rf $(ACHIEVEMENT_HOME) .pytest_cache
