"""Scheduling emails after the transaction that caused them commits.

Services call these; nothing is sent for a transaction that rolls back, and the
sending runs in a Celery task so a slow mail server never holds a request.
"""

from django.db import transaction

from fulfilment import emails


def _after_commit(kind: str, order_id: int, cooperative_ids=()) -> None:
    ids = sorted(set(cooperative_ids))
    transaction.on_commit(lambda: emails.send.delay(kind, order_id, ids))


def order_routed(order_id: int, cooperative_ids=()) -> None:
    _after_commit("routed", order_id, cooperative_ids)


def order_rerouted(order_id: int, cooperative_ids=()) -> None:
    _after_commit("rerouted", order_id, cooperative_ids)


def order_shipped(order_id: int) -> None:
    _after_commit("shipped", order_id)
