"""Running the real processes from outside: the deploy smoke test
(``deploy/bin/smoke.py``), the load test (``loadtest/run.py``) and the fault tests
(``tests/faults``) start gunicorn, Celery, the relay and servers as production
does, and need the same care to start, watch and stop them. Development tools only:
nothing in the shop imports this package.
"""
