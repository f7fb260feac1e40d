# dti-notebooks. `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup data validate template reports report demo check-html test lab freeze clean

## help: list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## /  make /'

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m ipykernel install --sys-prefix --name dti-notebooks --display-name "Python (dti-notebooks)"
	$(PY) -m pip install --quiet --no-build-isolation --no-deps -e .
	touch $(STAMP)

## setup: create .venv and install requirements.txt (other targets do this when needed)
setup: $(STAMP)

## data: clean data/raw into data/processed (Parquet + CSV + manifest.json)
data: $(STAMP)
	$(PY) -m lib data

## validate: check the raw files and list every problem without building anything
validate: $(STAMP)
	$(PY) -m lib validate

## template PROVINCE=26 YEAR=2024: write the DTI data-entry workbook to outputs/templates
template: $(STAMP)
	$(PY) -m lib template --province $(or $(PROVINCE),26) --year $(or $(YEAR),2024)

## reports: build processed data if needed, run every notebook, export HTML to outputs/html
reports: $(STAMP)
	$(PY) -m lib reports

## report UNIT=246 YEAR=2023 REPORT_LANG=en: the reports of one unit (and year, language)
report: $(STAMP)
	$(PY) -m lib reports --unit $(UNIT) $(if $(YEAR),--year $(YEAR)) $(if $(REPORT_LANG),--lang $(REPORT_LANG))

## demo: the full report set on the seeded synthetic example panel (labelled synthetic)
demo: $(STAMP)
	$(PY) -m lib demo

## check-html: open every built page offline in headless Chromium and list any problem
check-html: $(STAMP)
	$(PY) -m lib.site.browser check

## test: run the test suite
test: $(STAMP)
	$(PY) -m pytest

## lab PORT=8890 LAB_ARGS=...: JupyterLab on the project with its own kernel (default port: Jupyter's)
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=. $(if $(PORT),--port=$(PORT)) $(LAB_ARGS)

## freeze: re-pin requirements.txt from the current .venv
freeze: $(STAMP)
	$(PY) -m pip freeze --exclude-editable | sort -f > requirements.lock.tmp && echo "review requirements.lock.tmp, then move it over requirements.txt"

## clean: remove generated data and outputs (keeps .venv)
clean:
	find data/processed outputs -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
