"""Benchmarks, run by ``make bench``: our bulk order placement against stock Oscar's
checkout, measured in the same run on the same machine (see ``docs/benchmarks.md``).

Not part of the test suite. Each side runs in its own process with its own settings
module and database, so the two Django setups never mix.
"""
