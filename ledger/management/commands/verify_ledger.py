"""``manage.py verify_ledger``: recompute every ledger figure from its sources and
report any difference; exits non-zero when there is one (for auditors and cron)."""

from django.core.management.base import BaseCommand, CommandError

from ledger.audit import verify_ledger
from ledger.models import LedgerEntry

SHOWN = 50


class Command(BaseCommand):
    help = "Recompute the household ledger from its sources; report differences."

    def handle(self, *args, **options):
        differences = 0
        for difference in verify_ledger():
            differences += 1
            if differences <= SHOWN:
                self.stdout.write(str(difference))
        entries = LedgerEntry.objects.count()
        if differences:
            raise CommandError(
                f"{differences} difference(s) in {entries} ledger entries"
                + (f" (first {SHOWN} shown)" if differences > SHOWN else "")
            )
        self.stdout.write(
            self.style.SUCCESS(f"No difference: {entries} ledger entries checked.")
        )
