"""Oscar's checkout with card payment through Stripe (``payments``).

The payment step takes a Stripe payment method; placing the order creates and
confirms a PaymentIntent server-side (idempotency key from the order number, which
Oscar derives from the basket). The order is written whatever the intent's state
short of a refusal: paid at once, or pending while the bank asks the card holder
to confirm (3-D Secure: the customer is sent to the bank's page, then back to the
thank-you page) or while Stripe processes; the webhook then marks it paid. The
rules live in ``payments.services``; these are Oscar's hooks calling them.

Without Stripe keys the payment step says card payment is switched off and goes
no further; browsing, the basket and canteens' bulk orders do not depend on it.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from oscar.apps.checkout import views
from oscar.apps.checkout.exceptions import FailedPreCondition
from oscar.apps.payment.exceptions import PaymentError, UnableToTakePayment

from payments import gateway, selectors, services
from payments.models import PaymentStatus
from shop.apps.checkout.forms import CardForm

SWITCHED_OFF = _(
    "Card payment is switched off: this shop has no Stripe keys configured. "
    "You can still browse and fill your basket; canteens can place bulk orders."
)
CHOOSE_CARD = _("Please give a card to pay with.")


class PaymentDetailsView(views.PaymentDetailsView):
    _card_payment = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["card_payment_enabled"] = selectors.card_payment_enabled()
        context["switched_off_message"] = SWITCHED_OFF
        context.setdefault(
            "card_form",
            CardForm(
                initial={"payment_method": self.checkout_session.payment_method()}
            ),
        )
        context["stripe_publishable_key"] = gateway.publishable_key()
        return context

    def get_pre_conditions(self, request):
        conditions = super().get_pre_conditions(request)
        if request.method == "POST" and request.POST.get("action") != "place_order":
            # The payment details are being given, not yet captured.
            conditions = [
                c for c in conditions if c != "check_payment_data_is_captured"
            ]
        return conditions

    def check_payment_data_is_captured(self, request):
        if not selectors.card_payment_enabled():
            raise FailedPreCondition(
                url=reverse("checkout:payment-details"), message=SWITCHED_OFF
            )
        if not self.checkout_session.payment_method():
            raise FailedPreCondition(
                url=reverse("checkout:payment-details"), message=CHOOSE_CARD
            )

    def handle_payment_details_submission(self, request):
        if not selectors.card_payment_enabled():
            return self.render_payment_details(request, error=SWITCHED_OFF)
        form = CardForm(request.POST)
        if not form.is_valid():
            return self.render_payment_details(request, card_form=form)
        self.checkout_session.pay_by(form.cleaned_data["payment_method"])
        return self.render_preview(request, card_form=form)

    def build_submission(self, **kwargs):
        submission = super().build_submission(**kwargs)
        submission["payment_kwargs"]["payment_method"] = (
            self.checkout_session.payment_method()
        )
        return submission

    def handle_payment(self, order_number, total, **kwargs):
        if not selectors.card_payment_enabled():
            raise UnableToTakePayment(SWITCHED_OFF)
        try:
            self._card_payment = services.start_card_payment(
                order_number=str(order_number),  # Oscar's generator gives an int
                amount_yuan=total.incl_tax,
                payment_method=kwargs.get("payment_method") or "",
                idempotency_key=services.next_attempt_key(
                    prefix="checkout", order_number=str(order_number)
                ),
                return_url=self.request.build_absolute_uri(
                    reverse("checkout:thank-you")
                ),
            )
        except services.CardPaymentFailed as exc:
            raise UnableToTakePayment(exc.message) from exc
        except gateway.GatewayError as exc:
            raise PaymentError(exc.message) from exc
        payment = self._card_payment.payment
        if payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELED):
            raise UnableToTakePayment(payment.error_message or CHOOSE_CARD)

    def save_payment_details(self, order):
        super().save_payment_details(order)
        if self._card_payment is not None:
            services.attach_order(payment_id=self._card_payment.payment.pk, order=order)

    def get_success_url(self):
        if self._card_payment is not None and self._card_payment.redirect_url:
            return self._card_payment.redirect_url
        return super().get_success_url()
