"""The audit log: who changed what, when and from where, across the business.

Each app already keeps its own history where its rules need one (allocation
events, stock movements, account events, payment changes, card transactions,
settlement events, export events). This app answers the question none of them
can alone: everything one person, task or command did, and everything done to
one order, allocation, lot, channel, cooperative, household or sum of money, in
one place and one shape.

Design:

- ``models.AuditEntry``: when (``at``), who (``actor``, a user or none for the
  system, and ``actor_label``: the user's email, ``task:<celery task name>``,
  ``command:<name>``, ``anonymous`` or ``system``), from where (``ip``,
  ``request_id``), what (``action``, a short dotted code: ``bulk_order.placed``,
  ``allocation.accepted``, ``lot.received``, ``channel.updated``,
  ``payment.refunded``, ``bank_payment.recorded``…), to what (``object_type``, the
  model's label, ``object_id``, ``object_repr``) and how (``changes``: ``{field:
  [old, new]}`` for edits, or the action's figures; Decimal as strings, never
  floats). Append-only: saving an existing entry, deleting one and a queryset's
  ``update``/``delete`` raise ``AppendOnly``; the admin is read-only. Indexed on
  (object_type, object_id), (actor, at) and (at).
- ``context``: a context variable holding the current actor, set by
  ``middleware.AuditContextMiddleware`` for each request (its user, read when an
  entry is written, so API tokens count; its address; its ``X-Request-ID``), by
  Celery's ``task_prerun``/``task_postrun`` for each task, and by ``acting()``
  for commands (``load_demo``).
- ``services``: ``record`` and ``record_many``, called by the domain services
  inside their transaction, so an entry commits or rolls back with its change;
  ``batch()`` makes everything a service records one INSERT (placing a 50-line
  order writes the order and its allocations in one statement). Domain apps
  import this app; it imports none of them.
- ``selectors`` read the log for the staff page ``/dashboard/audit/``
  (``dashboard``) and the staff-only API ``GET /api/v1/audit-entries/``
  (``api``), with the same filters: object type and id, action (or its first
  part), who (user id, or the start of the label) and dates.

What is recorded, and where: bulk orders (placed, drafted, approved, confirmed,
rejected, cancelled, re-routed, delivered, received, missing kg decided:
``fulfilment``), store orders (placed: ``shop.apps.checkout``; dispatched:
``shop.apps.order``), allocations (routed, with the lot and kg; accepted,
rejected, expired, cancelled, shipped and delivered, with the kg: the kg bulk
orders move are read there), the changes made to a lot itself (``lot.<movement
kind>`` from ``suppliers.stock``: received, one by one or imported, adjusted,
written off, sent to a channel, and store orders' units reserved, shipped,
released), channels (opened, updated, closed, reopened), cooperatives and
households (the services, and the cooperative admin's edits with their field
diffs), card payments (captured, refund requested, refunded), canteen accounts
(opened, changed), invoices, bank payments and credit notes, payouts and
payments to households, and love cards (issued, spent, refunded, unlocked,
cancelled, expired).
"""
