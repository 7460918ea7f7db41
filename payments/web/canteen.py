"""The canteen's "Pay by card" page for a bulk order (linked from the order's
page): a thin adapter over ``payments.services.pay_order_by_card``.

Members of the order's canteen (and staff) see the order's card payments; only
its buyers pay. Another canteen's order answers 404, as on the canteen's other
order pages. Like the store's checkout, the page takes a Stripe payment method id
and confirms server-side; 3-D Secure sends the card holder to the bank's page,
which sends them back here (``?payment_intent=pi_...``), where the payment is read
back from Stripe so the page need not wait for the webhook.
"""

import contextlib

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from canteens.selectors import is_buyer
from fulfilment.selectors import orders_visible
from payments import gateway, selectors, services
from payments.models import Payment, PaymentStatus
from payments.web.forms import PayByCardForm

TEMPLATE = "payments/canteen/pay.html"


class PayOrderByCardView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.bulk_order = get_object_or_404(
            orders_visible(user=request.user), order__number=kwargs["number"]
        )
        self.order = self.bulk_order.order
        self.buyer = is_buyer(
            user=request.user, organisation_id=self.bulk_order.organisation_id
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, number):
        intent_id = request.GET.get("payment_intent", "")
        if intent_id:
            self._read_back(intent_id)
        return self.render(PayByCardForm())

    def post(self, request, number):
        if not self.buyer:
            raise PermissionDenied
        form = PayByCardForm(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        data = form.cleaned_data
        try:
            started = services.pay_order_by_card(
                order=self.order,
                payment_method=data["payment_method"],
                request_key=f"page-{request.user.pk}-{data['submission']}",
                return_url=request.build_absolute_uri(
                    reverse("payments:canteen-pay", kwargs={"number": number})
                ),
            )
        except gateway.PaymentsDisabled:
            return self.render(form.renew(), status=503)
        except services.OrderNotPayable as exc:
            messages.info(request, exc.message)
            return redirect("payments:canteen-pay", number=number)
        except (services.CardPaymentFailed, services.RequestKeyReused) as exc:
            return self.render(form.renew(), error=exc.message, status=400)
        except gateway.GatewayError as exc:
            return self.render(
                form.renew(),
                error=_("Stripe could not take the payment just now: %(why)s")
                % {"why": exc.message},
                status=503,
            )
        payment = started.payment
        if payment.status == PaymentStatus.SUCCEEDED:
            messages.success(request, paid_message(payment))
            return redirect("canteen:order-detail", number=number)
        if payment.status == PaymentStatus.REQUIRES_ACTION and started.redirect_url:
            return redirect(started.redirect_url)  # the bank's page
        messages.info(request, waiting_message(payment))
        return redirect("payments:canteen-pay", number=number)

    def _read_back(self, intent_id: str) -> None:
        payment = Payment.objects.filter(
            intent_id=intent_id, order_number=self.order.number
        ).first()
        if payment is None:
            return
        if payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED):
            with contextlib.suppress(gateway.GatewayError):  # the webhook will tell
                payment = services.refresh_payment(payment_id=payment.pk)
        if payment.status == PaymentStatus.SUCCEEDED:
            messages.success(self.request, paid_message(payment))
        elif payment.status == PaymentStatus.FAILED:
            messages.error(self.request, payment.error_message)
        else:
            messages.info(self.request, waiting_message(payment))

    def render(self, form, *, error="", status=200):
        enabled = selectors.card_payment_enabled()
        payability = selectors.card_payable(self.order)
        return render(
            self.request,
            TEMPLATE,
            {
                "bulk_order": self.bulk_order,
                "order": self.order,
                "attempts": selectors.attempts_for_order_number(
                    order_number=str(self.order.number)
                ),
                "payability": payability,
                "card_payment_enabled": enabled,
                "can_pay": self.buyer and enabled and bool(payability),
                "buyer": self.buyer,
                "form": form,
                "error": error,
                "switched_off_message": services.SWITCHED_OFF,
            },
            status=status,
        )


def paid_message(payment: Payment) -> str:
    return _("Order %(number)s is paid: %(amount)s yuan by card.") % {
        "number": payment.order_number,
        "amount": payment.amount,
    }


def waiting_message(payment: Payment) -> str:
    return _(
        "The payment of order %(number)s is not complete yet (%(status)s); this "
        "page will show its outcome."
    ) % {"number": payment.order_number, "status": payment.get_status_display()}
