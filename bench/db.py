"""Database upkeep shared by both sides of the benchmark."""


def vacuum_analyze() -> None:
    """Stand in for autovacuum, which the shared benchmark server has switched off.

    Without it no table is ever analysed (the planner then guesses, and reads all
    of ``order_line`` to join ten rows) and every updated stock row leaves a dead
    version behind, so each run would be slower than the last. Both sides call
    this on their own database before each batch of orders; it is never timed.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
