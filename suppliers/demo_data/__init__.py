"""Data tables for the demo loader (``suppliers.demo``), kept apart from its logic.

Everything here is synthetic except the place names: the counties, towns and the
villages named in the 2020 field report are real; the other villages are plausible
names chosen for the demo. No row describes a real person.
"""
