"""Stock django-oscar, unmodified: the baseline our bulk orders are measured against.

Its own settings module and PostgreSQL database (``nongjia_bench_oscar``); run only
in a process of its own (``python -m bench`` starts it), never next to the shop's
settings.
"""
