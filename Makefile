# participatie - de twee commando's voor een nieuwe gebruiker zijn `make run` en `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.11, 3.12 or 3.13 (requires-python in pyproject.toml); the oldest one found, else python3.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
KERNEL := participatie
DEMO_ORG ?= isd-bollenstreek
DEMO_PERSONEN ?= 2000
DEMO_SEED ?= 2024
DEMO_FOUTEN ?= 0.5
KWARTAAL ?= 2024Q3
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: help install demo run test test-fast check suites lab bench clean

help: ## toon deze hulp
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

# Makefile too: a new install step (below) reaches an existing .venv, not only a fresh one.
$(VENV)/.installed: pyproject.toml requirements.lock Makefile
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else "participatie heeft Python 3.11, 3.12 of 3.13 nodig; gevonden: " + sys.version.split()[0] + " (kies een andere met make PYTHON=/pad/naar/python3.12)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[test]"
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (participatie)"
	$(PY) -c "from pipelines.report.html import vega_bundle; vega_bundle()"  # the pages' script, once
	$(PY) -m compileall -q pipelines  # as pip does for what it installs; read also where PYTHONDONTWRITEBYTECODE is set
	touch $@

install: $(VENV)/.installed ## maak .venv, installeer de vastgepinde pakketten, registreer de Jupyter-kernel

data_raw/demo/levering.csv: | $(VENV)/.installed
	$(VENV)/bin/participatie synth --organisatie $(DEMO_ORG) --personen $(DEMO_PERSONEN) --seed $(DEMO_SEED) --fouten $(DEMO_FOUTEN) --out data_raw/demo

demo: data_raw/demo/levering.csv ## genereer de synthetische demo-export in data_raw/demo/

run: install demo ## installeer, genereer de demo-export en draai er de kwartaalevaluatie op
	$(VENV)/bin/participatie run --export data_raw/demo --kwartaal $(KWARTAAL)

test: install ## de testsuite (wat CI draait, met make check)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install ## de testsuite zonder de trage end-to-end- en schaaltests
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

check: install ## ruff (lint en opmaak), mypy en het lagencontract (import-linter)
	$(VENV)/bin/ruff check pipelines tests benchmarks
	$(VENV)/bin/ruff format --check pipelines tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

suites: install ## schrijf expectations/*.json en de regels in docs/validatie.md opnieuw uit de code
	$(PY) -m pipelines.ingest.suites

lab: install ## open JupyterLab op notebooks/ met de kernel participatie
	$(VENV)/bin/jupyter lab --notebook-dir notebooks $(if $(filter 0,$(shell id -u)),--allow-root,)

bench: install ## metingen van tijd en geheugen op schaal; BENCH_ARGS=--groot ook tot 2 miljoen personen
	$(PY) benchmarks/run_all.py $(BENCH_ARGS)

clean: ## verwijder gegenereerde data, rapporten en caches (.venv blijft)
	rm -rf data_clean/*/ reports/ data_raw/demo/ .pytest_cache
