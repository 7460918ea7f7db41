"""Love-card dashboard pages: thin adapters over ``lovecards.services`` and
``lovecards.selectors``. Staff only (``LoveCardsDashboardConfig``).

Issuing answers with the batch's card list as a CSV download: the only time the
PINs exist in clear. The later download of a batch lists numbers and balances.
"""

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, View

from lovecards import selectors, services
from lovecards.dashboard.forms import CancelCardForm, CardSearchForm, IssueBatchForm
from lovecards.models import CardBatch, LoveCard

PAGE_SIZE = 100


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")  # Excel reads UTF-8 with a BOM
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


class BatchListView(ListView):
    template_name = "lovecards/dashboard/batch_list.html"
    context_object_name = "batches"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return selectors.batches()


class IssueBatchView(FormView):
    template_name = "lovecards/dashboard/issue.html"
    form_class = IssueBatchForm

    def form_valid(self, form):
        try:
            issued = services.issue_batch(
                issued_by=self.request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        batch = issued.batch
        return csv_response(
            f"lovecards-batch-{batch.pk}-with-pins.csv",
            [_("Card number"), _("PIN"), _("Face value"), _("Expires on")],
            (
                [c.number, c.pin, batch.face_value, batch.expires_on.isoformat()]
                for c in issued.cards
            ),
        )


class BatchCardsView(ListView):
    template_name = "lovecards/dashboard/batch_cards.html"
    context_object_name = "cards"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.batch = get_object_or_404(CardBatch, pk=self.kwargs["pk"])
        return selectors.cards(batch_id=self.batch.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(batch=self.batch, **kwargs)


class BatchCardsDownloadView(View):
    def get(self, request, pk):
        batch = get_object_or_404(CardBatch, pk=pk)
        return csv_response(
            f"lovecards-batch-{batch.pk}.csv",
            [_("Card number"), _("Balance"), _("Status"), _("Expires on")],
            (
                [c.number, c.balance, c.get_status_display(), batch.expires_on]
                for c in selectors.cards(batch_id=batch.pk)
            ),
        )


class CardSearchView(ListView):
    """Cards by (part of) their number and status."""

    template_name = "lovecards/dashboard/batch_cards.html"
    context_object_name = "cards"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.form = CardSearchForm(self.request.GET or None)
        if not self.form.is_valid():
            return selectors.cards()
        return selectors.cards(**self.form.cleaned_data)

    def get_context_data(self, **kwargs):
        return super().get_context_data(form=self.form, **kwargs)


class CardDetailView(DetailView):
    template_name = "lovecards/dashboard/card_detail.html"
    context_object_name = "card"

    def get_queryset(self):
        return LoveCard.objects.select_related("batch")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            transactions=selectors.transactions_of(card_id=self.object.pk),
            events=self.object.events.select_related("actor"),
            cancel_form=kwargs.pop("cancel_form", CancelCardForm()),
            **kwargs,
        )


class CardUnlockView(View):
    def post(self, request, pk):
        card = get_object_or_404(LoveCard, pk=pk)
        try:
            services.unlock_card(card_id=card.pk, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Card %(card)s unlocked.") % {"card": card})
        return redirect("dashboard:lovecards-card", pk=card.pk)


class CardCancelView(View):
    def post(self, request, pk):
        card = get_object_or_404(LoveCard, pk=pk)
        form = CancelCardForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give a reason to cancel the card."))
            return redirect("dashboard:lovecards-card", pk=card.pk)
        try:
            services.cancel_card(
                card_id=card.pk, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Card %(card)s cancelled.") % {"card": card})
        return redirect("dashboard:lovecards-card", pk=card.pk)
