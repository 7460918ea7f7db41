"""Sales dashboard pages: thin adapters over ``ledger.counter_sale_upload``,
``ledger.counter_sales`` and ``ledger.selectors``. Staff only (see
``LedgerDashboardConfig``).

A refused upload comes back with a table of its errors by line and nothing
recorded; a refused withdrawal comes back on its form.
"""

import csv
import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import FormView, ListView, TemplateView, View

from ledger import selectors
from ledger.counter_sale_upload import ALIASES, COLUMNS, REQUIRED, parse_counter_sales
from ledger.counter_sales import (
    CounterSalesRejected,
    record_counter_sales,
    withdraw_batch,
)

from .forms import CounterSaleUploadForm, WithdrawForm

PAGE_SIZE = 50
SALES_PER_PAGE = 200
TEMPLATE_ROWS = [
    ("2025-06-01", "grandbuy-beijinglu", "NJ-FK-01", "10.000", "62.00", "", ""),
    ("2025-06-01", "grandbuy-beijinglu", "NJ-FK-02", "5.500", "38.50",
     "93441881MA51WZ0017", ""),
    ("2025-06-02", "grandbuy-zhongyi", "NJ-FK-01", "2.000", "12.40", "",
     "NJ-FK-01-01"),
]  # fmt: skip


class BatchListView(ListView):
    template_name = "ledger/dashboard/batch_list.html"
    context_object_name = "batches"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return selectors.counter_sale_batches()


class BatchMixin:
    """The batch named in the URL (any id that names none answers 404)."""

    def dispatch(self, request, *args, **kwargs):
        self.batch = get_object_or_404(
            selectors.counter_sale_batches(), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(batch=self.batch, **kwargs)


class BatchDetailView(BatchMixin, TemplateView):
    template_name = "ledger/dashboard/batch_detail.html"

    def get_context_data(self, **kwargs):
        sales = selectors.counter_sales_of_batch(batch_id=self.batch.pk)
        page = Paginator(sales, SALES_PER_PAGE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.has_other_pages(),
            sales=selectors.with_lot_parts(page.object_list),
            **kwargs,
        )


class UploadView(FormView):
    """Upload a CSV/XLSX of counter sales; all rows are recorded or none, and a
    refused file comes back with a table of its errors by line."""

    template_name = "ledger/dashboard/upload.html"
    form_class = CounterSaleUploadForm

    def get_context_data(self, **kwargs):
        columns = [(c, ALIASES[c], c in REQUIRED) for c in COLUMNS]
        return super().get_context_data(columns=columns, **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            rows = parse_counter_sales(content=content, filename=upload.name)
            batch = record_counter_sales(
                rows=rows,
                reference=form.cleaned_data["reference"],
                actor=self.request.user,
                content=content,
                filename=upload.name,
            )
        except CounterSalesRejected as rejected:
            return self.render_to_response(
                self.get_context_data(form=form, upload_errors=rejected.errors)
            )
        messages.success(
            self.request,
            ngettext(
                "Batch %(ref)s recorded: %(count)d sale.",
                "Batch %(ref)s recorded: %(count)d sales.",
                len(rows),
            )
            % {"ref": batch.reference, "count": len(rows)},
        )
        return redirect("dashboard:sales-batch-detail", pk=batch.pk)


class WithdrawView(BatchMixin, FormView):
    template_name = "ledger/dashboard/withdraw.html"
    form_class = WithdrawForm

    def get(self, request, *args, **kwargs):
        if self.batch.withdrawn_at is not None:
            return self._already_withdrawn()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.batch.withdrawn_at is not None:
            return self._already_withdrawn()
        return super().post(request, *args, **kwargs)

    def _already_withdrawn(self):
        messages.info(self.request, _("This batch was withdrawn already."))
        return redirect("dashboard:sales-batch-detail", pk=self.batch.pk)

    def form_valid(self, form):
        try:
            withdraw_batch(
                batch_id=self.batch.pk,
                reason=form.cleaned_data["reason"],
                actor=self.request.user,
            )
        except CounterSalesRejected as rejected:
            for error in rejected.errors:
                form.add_error(
                    error.field if error.field in form.fields else None, error.message
                )
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Batch %(ref)s withdrawn: its ledger entries are reversed.")
            % {"ref": self.batch.reference},
        )
        return redirect("dashboard:sales-batch-detail", pk=self.batch.pk)


class CsvTemplateView(View):
    """A CSV to fill in: the columns the upload reads and three example rows."""

    def get(self, request, *args, **kwargs):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        writer.writerows(TEMPLATE_ROWS)
        # A BOM, so that Excel opens the file as UTF-8.
        response = HttpResponse(
            "\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            'attachment; filename="counter-sales-template.csv"'
        )
        return response
