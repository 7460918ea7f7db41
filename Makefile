# Nongjia: two commands on a fresh machine.
#   make run    install, migrate, load the demo, serve on http://127.0.0.1:$(PORT)
#   make test   install, lint, run the tests (PostgreSQL/Redis too when configured)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test lint format messages lock chromium clean bench bench-reports \
	deploy-smoke restore-drill faults loadtest fuzz

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

# Browser tests use Debian's chromium (never a downloaded browser) and a Chinese
# font; a statement's PDF page is looked at through poppler's pdftoppm.
chromium:
	@command -v chromium >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 \
		&& fc-list :lang=zh 2>/dev/null | grep -q . || scripts/install-chromium.sh

test: install lint chromium
	DJANGO_SETTINGS_MODULE=shop.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var
	DJANGO_DEBUG=1 $(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

# Our bulk orders against stock Oscar's checkout, in the same run on this machine;
# prints the table and writes docs/benchmarks.md. Only ever touches the PostgreSQL
# databases nongjia_bench and nongjia_bench_oscar (created when missing).
# More or fewer orders: make bench BENCH_ARGS="--repeat 30 --oscar-repeat 20,8,6".
BENCH_PG  := -h 127.0.0.1 -U postgres
BENCH_ENV := DATABASE_URL=postgres://postgres@127.0.0.1:5432/nongjia_bench REDIS_URL=

bench: install
	@for db in nongjia_bench nongjia_bench_oscar; do \
		psql $(BENCH_PG) -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$$db'" \
			| grep -q 1 || createdb $(BENCH_PG) $$db || exit 1; \
	done
	$(BENCH_ENV) DJANGO_SETTINGS_MODULE=bench.settings $(BIN)/python manage.py migrate --verbosity 0
	DJANGO_SETTINGS_MODULE=bench.stock_oscar.settings $(BIN)/python -m django migrate --verbosity 0
	$(BENCH_ENV) $(BIN)/python -m bench $(BENCH_ARGS)

# Officials' reports on a year of ~10 million ledger entries: generates the year
# once (python -m bench.ledger; skipped when there), times every report, proves
# them equal to the raw ledger, runs verify_ledger, writes its section of
# docs/benchmarks.md. Only ever touches the database nongjia_bench_reports.
# A quick try: make bench-reports BENCH_ARGS="--entries 200000 --reset"
# (generator options); REPORT_ARGS="--repeat 9" for the timing.
REPORTS_ENV := DATABASE_URL=postgres://postgres@127.0.0.1:5432/nongjia_bench_reports REDIS_URL=

bench-reports: install
	@psql $(BENCH_PG) -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'nongjia_bench_reports'" \
		| grep -q 1 || createdb $(BENCH_PG) nongjia_bench_reports
	$(REPORTS_ENV) DJANGO_SETTINGS_MODULE=bench.settings $(BIN)/python manage.py migrate --verbosity 0
	$(REPORTS_ENV) DJANGO_SETTINGS_MODULE=bench.settings $(BIN)/python -m bench.ledger $(BENCH_ARGS)
	$(REPORTS_ENV) DJANGO_SETTINGS_MODULE=bench.settings $(BIN)/python -m bench.reports --verify $(REPORT_ARGS)

# Re-pin after changing dependencies in pyproject.toml.
lock: $(BIN)/python
	$(BIN)/pip install --quiet --editable ".[dev]"
	$(BIN)/pip freeze --exclude-editable > constraints.txt

clean:
	rm -rf $(VENV) var db.sqlite3

# The production start scripts for real on the local PostgreSQL and Redis (deploy/README.md):
# scratch database nongjia_deploy_smoke (dropped after), Redis db 14; Caddy in front when installed.
deploy-smoke: install
	@command -v caddy >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] \
		|| (apt-get update -qq && apt-get install -y -qq caddy >/dev/null) || true
	$(BIN)/python deploy/bin/smoke.py

# Fault tests (tests/faults; docs/operations.md "Faults and recovery"): a Celery worker
# killed mid-task 100 times, PostgreSQL restarted under load, Redis lost. Real
# processes: private redis-servers and a private PostgreSQL cluster on free ports;
# the local PostgreSQL (5432) only gets databases named nongjia_fault_* (the
# migrated template nongjia_fault_template is kept between runs). Prints figures.
FAULTS_PG  ?= postgres://postgres@127.0.0.1:5432
FAULTS_ENV := DATABASE_URL=$(FAULTS_PG)/nongjia_fault_test REDIS_URL= NONGJIA_FAULT_TESTS=1

faults: install
	$(FAULTS_ENV) $(BIN)/pytest -p no:xdist tests/faults -rA $(PYTEST_ARGS)

# Load test (docs/operations.md "Load test"): the demo plus load data in the database
# nongjia_load (made afresh), gunicorn with 2 workers and a Celery worker on Redis db 7,
# then locust headless on 127.0.0.1; writes its section of docs/benchmarks.md.
# Bigger or longer: make loadtest LOADTEST_ARGS="--users 80 --run-time 5m".
loadtest: install
	$(BIN)/python loadtest/run.py $(LOADTEST_ARGS)

# API fuzzing (docs/benchmarks.md "API fuzzing"): schemathesis runs every operation
# of /api/schema/ in-process, derandomized, as staff, a buyer and a manager; no 500,
# no answer the schema does not document. SQLite, or the DATABASE_URL in the env.
fuzz: install
	NONGJIA_FUZZ=1 $(BIN)/pytest -p no:xdist tests/fuzz -rA $(PYTEST_ARGS)

# Dump -> restore into a scratch database -> compare row counts (docs/operations.md).
restore-drill: install
	$(BIN)/python deploy/bin/restore-drill $(DRILL_ARGS)
