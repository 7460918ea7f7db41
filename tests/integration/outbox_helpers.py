"""A stand-in broker for the outbox's tests: tasks go through the outbox (not
in-process) and ``publishing.publish`` hands them to this object, which keeps
them, refuses them (``down``) or fails on chosen rows (``poison``); ``deliver``
runs what it took the way a worker would, task id included."""

from collections.abc import Iterator

from outbox import publishing
from outbox.models import OutboxMessage
from shop.celery import app as celery_app


class Broker:
    def __init__(self) -> None:
        self.taken: list[tuple[str, list, dict, str]] = []
        self.down = False
        self.poison: set[int] = set()

    def publish(self, message: OutboxMessage) -> None:
        if self.down:
            raise publishing.BrokerUnavailable("Error 111 connecting. Refused.")
        if message.pk in self.poison:
            raise TypeError("Object of type Decimal is not JSON serializable")
        self.taken.append(
            (message.task, message.args, message.kwargs, publishing.task_id(message.pk))
        )

    def deliver(self) -> None:
        for name, args, kwargs, task_id in self.taken:
            celery_app.tasks[name].apply(args=args, kwargs=kwargs, task_id=task_id)


def stand_in_broker(monkeypatch, settings) -> Iterator[Broker]:
    """For a fixture: ``yield from stand_in_broker(monkeypatch, settings)``."""
    settings.NONGJIA_OUTBOX_BREAKER_SECONDS = 5
    stand_in = Broker()
    monkeypatch.setattr(publishing, "publish", stand_in.publish)
    publishing.breaker.reset()
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield stand_in
    celery_app.conf.task_always_eager = previous
    publishing.breaker.reset()
