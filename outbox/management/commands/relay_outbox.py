"""``manage.py relay_outbox``: publish the outbox's pending rows to Celery, in a
loop until SIGTERM (``deploy/bin/relay``); ``--once`` relays what is due and
exits; ``--status`` prints what is waiting."""

import signal
import threading
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from outbox import relay, selectors


class Command(BaseCommand):
    help = "Publish pending outbox messages to the Celery broker."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Relay what is due, then exit."
        )
        parser.add_argument(
            "--status", action="store_true", help="Print the backlog and exit."
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds between two looks at the outbox (default 1).",
        )
        parser.add_argument(
            "--batch", type=int, default=100, help="Rows a transaction (default 100)."
        )
        parser.add_argument(
            "--heartbeat",
            type=Path,
            help="A file touched after each look at the outbox (health checks).",
        )

    def handle(self, *args, once, status, interval, batch, heartbeat, **options):
        if interval <= 0 or batch <= 0:
            raise CommandError("--interval and --batch must be above zero.")
        if status:
            self._status()
        elif once:
            totals = relay.drain(limit=batch)
            self.stdout.write(
                f"sent {totals.sent}, failed {totals.failed}"
                + (", broker unavailable" if totals.broker_down else "")
            )
            if totals.broker_down:
                raise CommandError("The broker is unavailable; rows left pending.")
        else:
            stop = threading.Event()
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
            self.stderr.write("relay_outbox: running (SIGTERM stops)")
            relay.run_forever(
                stop=stop, interval=interval, limit=batch, heartbeat=heartbeat
            )
            self.stderr.write("relay_outbox: stopped")

    def _status(self):
        backlog = selectors.backlog()
        oldest = (
            f"{backlog.oldest_age.total_seconds():.0f} s" if backlog.oldest_age else "-"
        )
        self.stdout.write(
            f"pending {backlog.pending}, oldest {oldest}, "
            f"failed to publish at least once {backlog.failing}"
        )
