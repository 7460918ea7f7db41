# Nongjia: two commands on a fresh machine.
#   make run    install, migrate, load the demo, serve on http://127.0.0.1:$(PORT)
#   make test   install, lint, run the tests (PostgreSQL/Redis too when configured)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test lint format messages lock chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever the dependencies or their pins change.
$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet --constraint constraints.txt --editable ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	PORT=$(PORT) scripts/run-local.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Browser tests use Debian's chromium (never a downloaded browser).
chromium:
	@command -v chromium >/dev/null 2>&1 || scripts/install-chromium.sh

test: install lint chromium
	DJANGO_SETTINGS_MODULE=shop.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var
	DJANGO_DEBUG=1 $(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

# Re-pin after changing dependencies in pyproject.toml.
lock: $(BIN)/python
	$(BIN)/pip install --quiet --editable ".[dev]"
	$(BIN)/pip freeze --exclude-editable > constraints.txt

clean:
	rm -rf $(VENV) var db.sqlite3
