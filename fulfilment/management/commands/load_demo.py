"""``manage.py load_demo``: the whole demo, supply side first, then canteens and
their orders. Lives in fulfilment, the app that depends on all the others."""

import logging
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from audit.context import acting
from billing.demo import account_summary, ensure_account, ensure_payment
from canteens.demo import ensure_canteens
from channels.demo import ensure_channels
from channels.models import Channel
from fulfilment.demo import ensure_orders, ensure_standing_order
from ledger.demo_history import load_history
from lovecards.demo import DEMO_CARDS, FACE_VALUE, UNION, ensure_love_cards
from settlement.demo import ensure_settlement, settlement_summary
from suppliers import demo

DISCARD_EMAIL = "django.core.mail.backends.dummy.EmailBackend"


@contextmanager
def quiet(logger_name: str):
    """Hide a logger's INFO lines for a while (in-process Celery logs every task)."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Load the Qingyuan demo marketplace (places, cooperatives, households, "
        "catalogue, harvest lots, demo logins, canteens and their orders, channels "
        "and their H1 2020 sales history). Safe to rerun; refused unless "
        "ALLOW_DEMO_DATA is on."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Skip the H1 2020 sales history of the channels (770 t of counter "
            "sales; most of the loading time).",
        )

    def execute(self, *args, **options):
        # What the demo writes is the command's doing in the audit log.
        with acting(label="command:load_demo"):
            return super().execute(*args, **options)

    def handle(self, *args, **options):
        try:
            summary = demo.load_demo(stdout=self.stdout)
        except demo.DemoDataNotAllowed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("Canteens and bulk orders...")
        # The demo orders' emails would go to demo addresses nobody reads.
        with (
            override_settings(EMAIL_BACKEND=DISCARD_EMAIL),
            transaction.atomic(),
        ):
            canteens = ensure_canteens(password=demo.DEMO_PASSWORD)
            ensure_channels()
            ensure_account()  # first, so the demo orders are on account
            orders = ensure_orders()
            ensure_standing_order()
        self.stdout.write("Settlement and love cards...")
        ensure_settlement()
        ensure_love_cards()
        ensure_payment()
        history = None
        if not options["no_history"]:
            # Each 2020 lot received announces itself to the shortfall retries.
            with quiet("celery.app.trace"):
                history = load_history(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {summary.counties} counties, "
                f"{summary.villages} villages "
                f"({summary.designated_poor_villages} designated poor), "
                f"{summary.cooperatives} cooperatives, "
                f"{summary.households} households "
                f"({summary.memberships} memberships), "
                f"{summary.products} products "
                f"({summary.expired_certificates} with an expired certificate), "
                f"{summary.lots} lots, {summary.lot_kg} kg "
                f"({summary.lots_past_best_before} past best-before)."
            )
        )
        self.stdout.write(f"{len(canteens)} canteens; this run placed {orders} orders.")
        self.stdout.write(f"{Channel.objects.count()} direct-supply channels.")
        self.stdout.write(
            f"This run added {summary.created_households} households and "
            f"{summary.created_lots} lots."
        )
        if history is not None:
            self._report_history(history)
        self._report_settlement()
        self._report_account()
        self.stdout.write(f"Demo logins (password: {summary.password}):")
        for login in summary.logins:
            self.stdout.write(f"  {login.username:<10} {login.role}")
        self.stdout.write(f"  {'approver':<10} approver of the buyer's canteen")
        self.stdout.write(
            f"Demo love cards of {UNION}, {FACE_VALUE} yuan each "
            "(balance: /lovecard/balance/):"
        )
        for card in DEMO_CARDS:
            self.stdout.write(f"  {card.grouped_number}  PIN {card.pin}")

    def _report_settlement(self) -> None:
        settled = settlement_summary()
        self.stdout.write(
            f"Settlement: periods issued {settled.periods_issued}, statements "
            f"{settled.statements} ({settled.goods_yuan:,} yuan), payouts paid "
            f"{settled.payouts_paid}; households paid {settled.households_paid} "
            f"of {settled.household_lines} (the rest: /reports/settlement/)."
        )

    def _report_account(self) -> None:
        account = account_summary()
        if account is None:
            return
        self.stdout.write(
            f"Canteen account of {account.canteen}: limit {account.limit:,} yuan, "
            f"owed {account.owed:,}, orders not yet invoiced "
            f"{account.open_orders:,}; invoices {account.invoices}, payments "
            f"{account.payments} (/canteen/account/, /dashboard/canteen-accounts/)."
        )

    def _report_history(self, history) -> None:
        self.stdout.write(
            f"H1 2020 in the ledger: {history.kg / 1000:,.1f} t, "
            f"{history.yuan:,.2f} yuan, sold through {history.channels} channels"
            + (f" (none through {', '.join(history.silent)})" if history.silent else "")
            + "."
        )
        self.stdout.write(
            f"This run recorded {history.created_sales} counter sales of 2020 in "
            f"{history.created_batches} weekly batches, from "
            f"{history.created_lots} harvest lots."
        )
