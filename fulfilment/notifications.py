"""Scheduling emails after the transaction that caused them commits.

Services call these inside their transaction; the email task is written to the
outbox with it, so nothing is sent for a transaction that rolls back and nothing
is lost when the broker is down. The sending runs in a Celery task so a slow mail
server never holds a request.
"""

from fulfilment import emails
from outbox.services import enqueue


def _after_commit(kind: str, order_id: int, cooperative_ids=()) -> None:
    enqueue(emails.send, kind, order_id, sorted(set(cooperative_ids)))


def order_routed(order_id: int, cooperative_ids=()) -> None:
    _after_commit("routed", order_id, cooperative_ids)


def order_rerouted(order_id: int, cooperative_ids=()) -> None:
    _after_commit("rerouted", order_id, cooperative_ids)


def order_shipped(order_id: int) -> None:
    _after_commit("shipped", order_id)
