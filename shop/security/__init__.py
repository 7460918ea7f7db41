"""Defences that are the project's rather than a domain app's (issue 6, security).

- ``lockout``: failed logins counted per account by django-axes, and what a locked
  client sees (a page or the API's JSON, both 429 with ``Retry-After``);
- ``throttling``: the API's request rates per user and per client address, which
  let requests through when the cache that counts them is down;
- ``headers``: the Permissions-Policy header and the hashes of the inline event
  handlers the Content-Security-Policy allows.

Uploaded files are checked by ``shop.uploads``.
"""
