"""A fake Stripe API for the tests: the real ``stripe`` library talks to it."""
