"""``manage.py rebuild_member_counts``: recompute the member counts (and the
orders' village maps and households' orders they read) from the ledger — after a
look-up they depend on changed (a product's categories, a village's town), or on
data written before they existed."""

from django.core.management.base import BaseCommand
from django.db import transaction

from ledger.counts import rebuild


class Command(BaseCommand):
    help = "Rebuild the report member counts from the ledger."

    def handle(self, *args, **options):
        with transaction.atomic():
            written = rebuild(say=self.stdout.write)
        self.stdout.write(f"{written:,} count rows")
