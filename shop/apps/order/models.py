"""Oscar's order models, unchanged: the app is forked for its event handler
(``processing.py``), which records dispatched store lines in the ledger."""

from oscar.apps.order.models import *  # noqa: F403
