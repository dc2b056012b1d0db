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

demo: venv  ## install, migrate, seed, serve the example project on http://127.0.0.1:8000
	cd $(EXAMPLE) && ../$(VENV)/bin/python manage.py migrate --verbosity 0
	cd $(EXAMPLE) && ../$(VENV)/bin/python manage.py seed_demo
	@echo ""
	@echo "  Gallery:  http://127.0.0.1:8000/        Admin panel: http://127.0.0.1:8000/admin/"
	@echo "  Log in as demo / demo  (a second user: alice / alice)"
	@echo ""
	cd $(EXAMPLE) && ../$(VENV)/bin/python manage.py runserver 127.0.0.1:8000

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
	rm -rf $(VENV) .venv-dj6 $(EXAMPLE)/demo.sqlite3 dist build
