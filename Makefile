# The two commands a new user runs: `make demo` and `make test`. Everything else is here
# so that those two work on a fresh machine with nothing installed by hand.

PYTHON ?= python3
VENV ?= .venv
PIP_FLAGS ?= --quiet --disable-pip-version-check
DJANGO_52 ?= django>=5.2,<6
EXAMPLE := example_project

.PHONY: demo test venv lint format bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_FLAGS) --upgrade pip
	$(VENV)/bin/pip install $(PIP_FLAGS) -e ".[dev]" "$(DJANGO_52)" hatchling
	touch $@

venv: $(VENV)/.installed

# The demo runs from its own venv with the runtime dependencies only (the package, the
# Tasks backport, Django 5.2): no test or lint toolchain to install before seeing it.
DEMO_VENV ?= .venv-demo
PORT ?= 8000
HOST ?= 127.0.0.1
DEMO_PY := ../$(DEMO_VENV)/bin/python

$(DEMO_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/pip install $(PIP_FLAGS) -e ".[tasks]" "$(DJANGO_52)"
	touch $@

demo: $(DEMO_VENV)/.installed  ## install, migrate, seed, serve the example on http://127.0.0.1:$(PORT)
	@cd $(EXAMPLE) && $(DEMO_PY) -m gallery.ports $(HOST) $(PORT)
	cd $(EXAMPLE) && $(DEMO_PY) manage.py migrate --verbosity 0
	cd $(EXAMPLE) && $(DEMO_PY) manage.py seed_demo
	@echo ""
	@echo "  Gallery:  http://$(HOST):$(PORT)/        Admin panel: http://$(HOST):$(PORT)/admin/"
	@echo "  Log in as demo / demo (staff: every job), or alice / alice (her own)"
	@echo ""
	cd $(EXAMPLE) && $(DEMO_PY) manage.py rundemo $(HOST):$(PORT)

test:  ## lint, then the suite on both legs (3.11 + Django 5.2, 3.13 + Django 6) and both tiers
	.ci/test-matrix

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

BASELINE ?=
bench: venv  ## every benchmark; rewrites docs/benchmarks.md (BASELINE=<git ref>: beside that code too)
	$(VENV)/bin/python bench/run_all.py $(if $(BASELINE),--baseline $(BASELINE))

clean:
	rm -rf $(VENV) .venv-dj6 .venv-hosts $(DEMO_VENV) $(EXAMPLE)/demo.sqlite3 dist build
