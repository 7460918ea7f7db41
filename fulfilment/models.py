"""Fulfilment models arrive with canteen bulk orders; the app is wired already."""
