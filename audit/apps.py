from celery.signals import task_postrun, task_prerun
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from audit.context import task_finished, task_started


class AuditConfig(AppConfig):
    """The audit log: who changed what, when and from where, across the business."""

    name = "audit"
    verbose_name = _("Audit log")

    def ready(self):
        # Entries written by a task are the task's (``audit.context``).
        task_prerun.connect(task_started, weak=False, dispatch_uid="audit-task-start")
        task_postrun.connect(task_finished, weak=False, dispatch_uid="audit-task-end")
