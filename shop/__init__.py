"""The Django project: settings, URLs, the Celery app and the forked Oscar apps."""

from .celery import app as celery_app

__all__ = ["celery_app"]
