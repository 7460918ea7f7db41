#!/usr/bin/env bash
# Serve the shop with demo data. With REDIS_URL set, also run a Celery worker and
# beat, and stop them when the server stops (Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG="${DJANGO_DEBUG:-1}"
PORT="${PORT:-8000}"
PY=.venv/bin/python
mkdir -p var

$PY manage.py migrate --noinput
$PY manage.py load_demo

pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

if [ -n "${REDIS_URL:-}" ]; then
  .venv/bin/celery -A shop worker --loglevel=INFO --concurrency=2 &
  pids+=($!)
  .venv/bin/celery -A shop beat --loglevel=INFO --schedule=var/celerybeat-schedule &
  pids+=($!)
  tasks="Celery worker and beat on $REDIS_URL"
else
  tasks="Celery tasks run in-process (set REDIS_URL for a real worker)"
fi

cat <<INFO

  Nongjia is running.
    Store:      http://127.0.0.1:$PORT/
    Dashboard:  http://127.0.0.1:$PORT/dashboard/
    API docs:   http://127.0.0.1:$PORT/api/docs/
    Tasks:      $tasks

  Demo logins (password: nongjia-demo)
    buyer      buyer of 天河区机关事务管理局食堂 (store: /canteen/order/)
    approver   approves that canteen's orders above 20,000 yuan
    manager    manager of 英德市万仔蚕桑专业合作社 (dashboard: lots, allocations,
               settlement statements and payments to households)
    official   official (read-only; unpaid households: /reports/settlement/)
    staff      platform staff (dashboard, Django admin, love cards, settlement)

  Demo love cards (500 yuan each; balance: http://127.0.0.1:$PORT/lovecard/balance/)
    8668 2020 0000 0016  PIN 520131
    8668 2020 0000 0024  PIN 131452
    8668 2020 0000 0032  PIN 202006

INFO
$PY manage.py runserver "127.0.0.1:$PORT" &
pids+=($!)
wait "${pids[-1]}"
