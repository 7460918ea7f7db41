from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """The task outbox: rows written in the business transaction, published to
    Celery after commit or by the relay (``manage.py relay_outbox``)."""

    name = "outbox"
    verbose_name = _("Task outbox")
