# sem_csat: the two commands a new user needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: demo test lint typecheck unit lab bench paper clean

$(VENV)/.installed-base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-base
	$(PIP) install --quiet -e ".[dev]"
	touch $@

$(VENV)/.installed-notebooks: $(VENV)/.installed-base
	$(PIP) install --quiet -e ".[notebooks]"
	touch $@

## demo: create the environment and fit the bundled ECSI model to the bundled survey
demo: $(VENV)/.installed-base
	$(BIN)/sem-csat demo

## test: linters, type checks and the whole test suite, notebooks included
test: lint typecheck unit

## lint: ruff (lint and format) and the import-linter contracts (layers, no cycles; pyproject.toml)
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check sem_csat tests benchmarks paper
	$(BIN)/ruff format --check sem_csat tests benchmarks paper
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

unit: $(VENV)/.installed-dev
	MPLBACKEND=Agg $(BIN)/python -m pytest sem_csat tests notebooks --nbmake

## lab: open the notebooks in JupyterLab
lab: $(VENV)/.installed-notebooks
	$(BIN)/jupyter lab notebooks/

## bench: print the benchmark figures beside lavaan's, seminr's and semopy's (R optional; ~15 min)
bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_pls_fit.py
	$(BIN)/python benchmarks/bench_bootstrap.py
	$(BIN)/python benchmarks/bench_scale.py
	$(BIN)/python benchmarks/bench_cbsem_fit.py
	$(BIN)/python benchmarks/bench_cbsem_bootstrap.py
	$(BIN)/python benchmarks/bench_mga.py
	$(BIN)/python benchmarks/bench_power.py
	MPLBACKEND=Agg $(BIN)/python benchmarks/bench_size.py

## paper: regenerate the paper's tables, figures and benchmarks, then build paper/paper.pdf
paper: $(VENV)/.installed-dev
	MPLBACKEND=Agg $(BIN)/python paper/make_paper.py --bench
	$(BIN)/python paper/build_pdf.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis .import_linter_cache sem-csat-results
