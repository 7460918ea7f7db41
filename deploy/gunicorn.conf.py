"""Gunicorn settings for the web process (deploy/bin/web), all from the environment.

Sync workers: the shop's requests are short database work, and a worker per core or
two keeps PostgreSQL connections predictable (one per worker, CONN_MAX_AGE=60).
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int('PORT', 8000)}"
# WEB_CONCURRENCY is the usual name (Heroku, the python buildpacks).
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8))
threads = _int("GUNICORN_THREADS", 1)
# A request taking longer than this is killed (the worker is restarted).
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM, requests in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Longer than the proxy's idle timeout, so the proxy closes first.
keepalive = _int("GUNICORN_KEEPALIVE", 75)
# Recycle workers now and then (slow leaks); jitter so they do not all go at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Heartbeat files in memory, not on the container's overlay disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Django itself trusts X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER): the web port
# must be reachable only from the proxy. Gunicorn's own trust list (for
# wsgi.url_scheme) stays at its default unless set.
if os.environ.get("FORWARDED_ALLOW_IPS"):
    forwarded_allow_ips = os.environ["FORWARDED_ALLOW_IPS"]

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Combined log format plus the request's duration in microseconds (%(D)s).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'
proc_name = "nongjia-web"
# Gunicorn 27's control socket (under $HOME) is not used: signals do the job.
control_socket_disable = True
