"""A realistic year of the household ledger, for the officials' reports benchmark.

``python -m bench.ledger`` fills the PostgreSQL database ``nongjia_bench_reports``
with 54,866 households over Qingyuan's villages, ~300 cooperatives, the 77 channels
and ~10 million ledger entries of counter sales — each sale attributed to harvest
lots and apportioned to the lots' households with the services' exact rules
(``ledger.apportion``), and the summaries (sales facts, period members, yearly
incomes, member counts) what the live code would have built, so ``verify_ledger``
finds no difference. ``bench.reports`` then times the reports on it.

- ``world``: places, households, cooperatives, products, channels, canteens (ORM);
- ``sales``: the year's counter sales, lots and entries (pure, seeded);
- ``tally``: the summaries, accumulated as the entries stream by;
- ``writer``: rows into the database (PostgreSQL ``COPY``, else ``bulk_create``);
- ``generate``: the whole run, in one transaction (member counts last, by
  ``ledger.counts.rebuild``).
"""
