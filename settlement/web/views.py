"""Settlement pages outside the dashboard: the officials' report of households
still unpaid (``/reports/settlement/``) and each statement's PDF and XLSX.

The report is for officials and staff (anyone else signed in: 403). A statement's
files open for whoever may see the statement — staff, officials, the
cooperative's managers — and answer 404 to anyone else.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView, View

from reports.tables import CONTENT_TYPES
from settlement import selectors
from settlement.pdf import statement_pdf
from settlement.xlsx import statement_xlsx
from suppliers.access import sees_all_supply

PAGE_SIZE = 100


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class UnpaidReportView(LoginRequiredMixin, TemplateView):
    """Households of issued statements paid less than they earned, by period and
    cooperative (``?period=``, ``?cooperative=``), and the statements' payouts."""

    template_name = "settlement/reports/unpaid.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not sees_all_supply(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        period_id = _int(self.request.GET.get("period"))
        cooperative_id = _int(self.request.GET.get("cooperative"))
        unpaid = selectors.unpaid_households(
            user=user, period_id=period_id, cooperative_id=cooperative_id
        )
        page = Paginator(unpaid, PAGE_SIZE).get_page(self.request.GET.get("page"))
        statements = selectors.statements_visible(user=user)
        if period_id is not None:
            statements = statements.filter(period_id=period_id)
        if cooperative_id is not None:
            statements = statements.filter(cooperative_id=cooperative_id)
        return super().get_context_data(
            page_obj=page,
            unpaid=page.object_list,
            unpaid_yuan=unpaid.aggregate(total=Sum("outstanding"))["total"] or 0,
            statements=statements[:200],
            periods=selectors.periods().filter(closed=True)[:50],
            period_id=period_id,
            **kwargs,
        )


class StatementFileView(LoginRequiredMixin, View):
    """``statement.pdf`` or ``statement.xlsx``."""

    file_format = "pdf"

    def get(self, request, *args, **kwargs):
        statement = get_object_or_404(
            selectors.statements_visible(user=request.user), pk=kwargs["pk"]
        )
        document = selectors.statement_document(statement=statement)
        if self.file_format == "pdf":
            body, content_type = statement_pdf(document), "application/pdf"
            disposition = "inline"
        else:
            body, content_type = statement_xlsx(document), CONTENT_TYPES["xlsx"]
            disposition = "attachment"
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = (
            f'{disposition}; filename="statement-{statement.number}.{self.file_format}"'
        )
        return response
