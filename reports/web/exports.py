"""Pages of the background report exports, at ``/reports/exports/``.

A report page's form posts ``report``, ``params`` (the page's query string) and
``format`` to ``start``, which sends the asker to the export's page; there a
progress bar follows the worker (``reports/static/reports/exports.js`` polls the
``status`` JSON) and offers the download once the file is written. Thin
adapters over ``reports.exports``: the same access rules as the reports (anyone
else signed in gets 403, the anonymous the login page), and another user's
export is not found.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from reports import exports
from reports.access import report_scope
from reports.models import AT_RISK, ENTRIES, ExportStatus, ReportExport
from reports.tables import CONTENT_TYPES

REPORT_LABELS = {
    "period": gettext_lazy("Sales by period"),
    "channel": gettext_lazy("Sales by channel"),
    "channel-kind": gettext_lazy("Sales by kind of channel"),
    "cooperative": gettext_lazy("Sales by cooperative"),
    "household": gettext_lazy("Sales by household"),
    "village": gettext_lazy("Sales by village"),
    "town": gettext_lazy("Sales by town"),
    "county": gettext_lazy("Sales by county"),
    "product": gettext_lazy("Sales by product"),
    "category": gettext_lazy("Sales by category"),
    "canteen": gettext_lazy("Sales by canteen"),
    ENTRIES: gettext_lazy("Ledger entries"),
    AT_RISK: gettext_lazy("Households at risk"),
}


def report_label(export: ReportExport) -> str:
    return str(REPORT_LABELS.get(export.report, export.report))


def progress_text(export: ReportExport) -> str:
    if export.rows_total is None:
        return _("%(done)s rows") % {"done": f"{export.rows_done:,}"}
    return _("%(done)s of %(total)s rows") % {
        "done": f"{export.rows_done:,}",
        "total": f"{export.rows_total:,}",
    }


def status_of(export: ReportExport) -> dict:
    """What the progress bar shows (the ``status`` JSON and the first render)."""
    done = export.status == ExportStatus.DONE
    return {
        "id": export.pk,
        "status": export.status,
        "status_display": export.get_status_display(),
        "percent": export.percent,
        "rows_done": export.rows_done,
        "rows_total": export.rows_total,
        "progress_text": progress_text(export),
        "error": export.error,
        "finished": export.status in (ExportStatus.DONE, ExportStatus.FAILED),
        "download": reverse("report-exports:download", args=[export.pk])
        if done
        else None,
    }


class ReportsMixin(LoginRequiredMixin):
    """The reports' access: the anonymous to the login page, anyone who sees no
    reports 403 (``report_scope`` raises ``PermissionDenied``)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        report_scope(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_export(self) -> ReportExport:
        try:
            return exports.export_for(
                user=self.request.user, export_id=self.kwargs["pk"]
            )
        except ReportExport.DoesNotExist:
            raise Http404 from None


class StartView(ReportsMixin, TemplateView):
    """POST only: start the export and show its page; bad input, a 400 page
    naming each error."""

    http_method_names = ["post"]
    template_name = "reports/exports/refused.html"

    def post(self, request):
        params = QueryDict(request.POST.get("params", ""))
        # The report form's empty selects mean "no filter".
        params = {name: params.get(name) for name in params if params.get(name).strip()}
        report = request.POST.get("report", "")
        try:
            export = exports.start_export(
                user=request.user,
                report=report,
                params=params,
                file_format=request.POST.get("format", ""),
            )
        except ValidationError as exc:
            errors = [
                (name, message)
                for name, messages in exc.message_dict.items()
                for message in messages
            ]
            context = self.get_context_data(errors=errors, report=report)
            return self.render_to_response(context, status=400)
        return redirect("report-exports:detail", pk=export.pk)


class ExportListView(ReportsMixin, ListView):
    """The user's exports and, for staff and officials, the monthly reports."""

    template_name = "reports/exports/list.html"
    context_object_name = "exports"
    paginate_by = 25

    def get_queryset(self):
        return exports.exports_visible(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [
            (export, report_label(export), status_of(export))
            for export in context["exports"]
        ]
        return context


class ExportDetailView(ReportsMixin, TemplateView):
    template_name = "reports/exports/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        export = self.get_export()
        context.update(
            export=export,
            label=report_label(export),
            state=status_of(export),
            params=sorted(export.params.items()),
        )
        return context


class ExportStatusView(ReportsMixin, View):
    """The progress bar's JSON, polled by ``exports.js``."""

    def get(self, request, pk):
        return JsonResponse(status_of(self.get_export()))


class DownloadView(ReportsMixin, View):
    """The file, once written (before that: not found)."""

    def get(self, request, pk):
        export = self.get_export()
        if export.status != ExportStatus.DONE:
            raise Http404(_("The file is not ready yet."))
        exports.record_download(export=export, user=request.user)
        return FileResponse(
            export.file.open("rb"),
            as_attachment=True,
            filename=export.filename,
            content_type=CONTENT_TYPES[export.file_format],
        )
