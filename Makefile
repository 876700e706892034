# participatie - the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
KERNEL := participatie
DEMO_ORG ?= isd-bollenstreek
DEMO_PERSONEN ?= 2000
DEMO_SEED ?= 2024
DEMO_FOUTEN ?= 0.5
KWARTAAL ?= 2024Q3
PYTEST_ARGS ?=

.PHONY: help install demo run test test-fast lab bench clean

help: ## show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "participatie needs Python 3.11, found " + sys.version.split()[0])'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[test]"
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (participatie)"
	@# the kernel's own start-up warnings (TCP without encryption, on loopback) would flood every run's log
	$(PY) -c 'import json, sys; p = sys.prefix + "/share/jupyter/kernels/$(KERNEL)/kernel.json"; k = json.load(open(p)); k["argv"].append("--IPKernelApp.log_level=ERROR"); json.dump(k, open(p, "w"), indent=1)'
	touch $@

install: $(VENV)/.installed ## create .venv, install pinned packages, register the Jupyter kernel

data_raw/demo/levering.csv: | $(VENV)/.installed
	$(VENV)/bin/participatie synth --organisatie $(DEMO_ORG) --personen $(DEMO_PERSONEN) --seed $(DEMO_SEED) --fouten $(DEMO_FOUTEN) --out data_raw/demo

demo: data_raw/demo/levering.csv ## generate the synthetic demo export into data_raw/demo/

run: install demo ## install, generate the demo export and run the quarterly evaluation on it
	$(VENV)/bin/participatie run --export data_raw/demo --kwartaal $(KWARTAAL)

test: install ## run the test suite (what CI runs)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install ## the test suite without the slow end-to-end and scale runs
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

lab: install ## open JupyterLab on notebooks/ with the participatie kernel
	$(VENV)/bin/jupyter lab --notebook-dir notebooks $(if $(filter 0,$(shell id -u)),--allow-root,)

bench: install ## benchmarks (synth, ingest, KPIs, run) at scale; see benchmarks/README.md
	$(PY) benchmarks/run_all.py

clean: ## remove generated data, reports and caches (keeps .venv)
	rm -rf data_clean/*/ reports/ data_raw/demo/ .pytest_cache
