"""The audit log page: every entry, newest first, 50 a page, narrowed by object,
action, who and dates. A bad filter is shown on its field, with a 400."""

from dataclasses import dataclass

from django.views.generic import ListView

from audit.forms import AuditFilterForm
from audit.models import AuditEntry
from audit.selectors import AuditQuery, audit_entries

PAGE_SIZE = 50


@dataclass(frozen=True)
class ChangeRow:
    field: str
    old: object
    new: object
    is_change: bool  # [old, new]; otherwise ``new`` is the action's figure


def change_rows(entry: AuditEntry) -> list[ChangeRow]:
    rows = []
    for field, value in (entry.changes or {}).items():
        if isinstance(value, list) and len(value) == 2:
            rows.append(ChangeRow(field, value[0], value[1], True))
        else:
            rows.append(ChangeRow(field, None, value, False))
    return rows


class EntryListView(ListView):
    template_name = "audit/dashboard/entry_list.html"
    context_object_name = "entries"
    paginate_by = PAGE_SIZE

    def get(self, request, *args, **kwargs):
        self.form = AuditFilterForm(request.GET or None)
        response = super().get(request, *args, **kwargs)
        if self.form.is_bound and not self.form.is_valid():
            response.status_code = 400
        return response

    def get_queryset(self):
        if not self.form.is_bound:
            return audit_entries(AuditQuery())
        if not self.form.is_valid():
            return AuditEntry.objects.none()
        return audit_entries(self.form.query())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            form=self.form,
            is_filtered=any(name in self.request.GET for name in self.form.fields),
            **kwargs,
        )
        context["rows"] = [(entry, change_rows(entry)) for entry in context["entries"]]
        return context
