"""Staff pages of card payments: the list (by order number and status), a
payment's detail with its changes and refunds, and the refund form, which calls
``payments.refunds.request_refund``. Staff only, as Oscar's dashboard
(``payments.urls`` wraps each view): anonymous visitors are sent to the
dashboard's login, other users get 403.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from payments import refunds, selectors
from payments.dashboard.forms import PaymentSearchForm, RefundForm
from payments.models import Payment, PaymentStatus, Refund

PAGE_SIZE = 50
DETAIL = "payments/dashboard/payment_detail.html"


class PaymentListView(ListView):
    template_name = "payments/dashboard/payment_list.html"
    context_object_name = "payments"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.form = PaymentSearchForm(self.request.GET or None)
        if self.form.is_bound and self.form.is_valid():
            return selectors.payments_matching(**self.form.cleaned_data)
        return selectors.payments_matching()

    def get_context_data(self, **kwargs):
        return super().get_context_data(form=self.form, **kwargs)


def refund_key(payment_id: int, submission: str) -> str:
    return f"dashboard-{payment_id}-{submission}"


def _detail(request, payment: Payment, *, form=None, status=200):
    left = selectors.refund_left(payment=payment)
    if form is None and left > 0:
        form = RefundForm(left=left)
    return render(
        request,
        DETAIL,
        {
            "payment": payment,
            "changes": payment.changes.all(),
            "refunds": payment.refunds.select_related("requested_by"),
            "left": left,
            "pending": selectors.pending_refunds(payment=payment),
            "refundable": payment.status == PaymentStatus.SUCCEEDED and left > 0,
            "form": form,
        },
        status=status,
    )


class PaymentDetailView(View):
    def get(self, request, pk):
        payment = get_object_or_404(Payment.objects.select_related("order"), pk=pk)
        return _detail(request, payment)


class RefundView(View):
    """POST the refund form: on success, back to the payment with a message; a
    refused amount shows the payment again with the reason on the form."""

    def post(self, request, pk):
        payment = get_object_or_404(Payment.objects.select_related("order"), pk=pk)
        form = RefundForm(request.POST, left=selectors.refund_left(payment=payment))
        if not form.is_valid():
            return _detail(request, payment, form=form, status=400)
        key = refund_key(payment.pk, form.cleaned_data["submission"])
        already = Refund.objects.filter(idempotency_key=key).exists()
        try:
            refund = refunds.request_refund(
                payment_id=payment.pk,
                amount_yuan=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                idempotency_key=key,
                user=request.user,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("amount", message)
            return _detail(request, payment, form=form, status=400)
        if already:
            messages.info(request, _("This refund had already been requested."))
        else:
            messages.success(
                request,
                _(
                    "Refund of %(amount)s yuan requested; Stripe confirms it in a "
                    "moment."
                )
                % {"amount": refund.amount},
            )
        return redirect("payments:dashboard-payment-detail", pk=payment.pk)
