"""The canteen buyer's pages in the store, mounted at ``/canteen/``."""
