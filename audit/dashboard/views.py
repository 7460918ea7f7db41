"""The audit log page: every entry, newest first, 50 a page, narrowed by object,
action, who and dates. A bad filter is shown on its field, with a 400.

Pages link to newer and older entries only, with no page count: counting a log
of millions of rows costs a scan of the table on every visit, and staff read the
log from its newest end. Each page reads one row more than it shows, to know
whether there is an older page.
"""

from dataclasses import dataclass

from django.http import Http404
from django.views.generic import TemplateView

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


@dataclass(frozen=True)
class Page:
    """One page of entries, and whether newer and older ones exist (uncounted)."""

    entries: list[AuditEntry]
    number: int
    has_older: bool

    @property
    def has_newer(self) -> bool:
        return self.number > 1

    @property
    def first(self) -> int:
        """The position of the page's first entry in the log (from 1)."""
        return (self.number - 1) * PAGE_SIZE + 1

    @property
    def last(self) -> int:
        return self.first + len(self.entries) - 1


def page_of(entries, number: int) -> Page:
    """Entries ``number`` (from 1) of the queryset, read with one query, no COUNT."""
    start = (number - 1) * PAGE_SIZE
    rows = list(entries[start : start + PAGE_SIZE + 1])
    return Page(
        entries=rows[:PAGE_SIZE], number=number, has_older=len(rows) > PAGE_SIZE
    )


def page_number(value: str | None) -> int:
    """The ``page`` parameter: a whole number from 1; anything else is a 404."""
    if value is None:
        return 1
    try:
        number = int(value)
    except ValueError:
        raise Http404("No such page") from None
    if number < 1:
        raise Http404("No such page")
    return number


class EntryListView(TemplateView):
    template_name = "audit/dashboard/entry_list.html"

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
        page = page_of(self.get_queryset(), page_number(self.request.GET.get("page")))
        return super().get_context_data(
            form=self.form,
            is_filtered=any(name in self.request.GET for name in self.form.fields),
            page=page,
            entries=page.entries,
            rows=[(entry, change_rows(entry)) for entry in page.entries],
            **kwargs,
        )
