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

Love cards (``lovecards``) pay the certified produce, all or part; Stripe the
rest, or nothing when the cards cover the order (card payment may then be off).
The order of operations is explained in ``shop.apps.checkout.lovecard``.
"""

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from oscar.apps.checkout import views
from oscar.apps.checkout.exceptions import FailedPreCondition
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.apps.payment.exceptions import PaymentError, UnableToTakePayment

from audit import services as audit
from lovecards import paying
from lovecards import services as card_services
from lovecards.errors import CardRefused
from lovecards.models import ZERO
from payments import gateway, selectors, services
from payments.models import PaymentStatus
from shop.apps.checkout import lovecard
from shop.apps.checkout.forms import CardForm, LoveCardsForm

SWITCHED_OFF = _(
    "Card payment is switched off: this shop has no Stripe keys configured. "
    "You can still browse and fill your basket; canteens can place bulk orders."
)
CHOOSE_CARD = _("Please give a card to pay with.")
REST_NEEDS_CARD = _(
    "Love cards pay %(cards)s yuan of this order; the remaining %(rest)s yuan "
    "must be paid by bank card, which is switched off."
)


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


class PaymentDetailsView(views.PaymentDetailsView):
    _card_payment = None
    _love_card_plan = None

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
        context.setdefault("love_card_form", LoveCardsForm())
        if self.preview and lovecard.session_cards(self.checkout_session):
            context["love_card_plan"] = self._session_plan(self.request.basket)
        context["stripe_publishable_key"] = gateway.publishable_key()
        return context

    def _session_plan(self, basket) -> paying.PaymentPlan:
        submission = self.build_submission(basket=basket)
        return lovecard.plan_for(
            lovecard.session_cards(self.checkout_session),
            eligible=paying.basket_eligible_amount(basket),
            total=submission["order_total"].incl_tax,
        )

    def get_pre_conditions(self, request):
        conditions = super().get_pre_conditions(request)
        if request.method == "POST" and request.POST.get("action") != "place_order":
            # The payment details are being given, not yet captured.
            conditions = [
                c for c in conditions if c != "check_payment_data_is_captured"
            ]
        return conditions

    def check_payment_data_is_captured(self, request):
        if (
            lovecard.session_cards(self.checkout_session)
            and self._session_plan(request.basket).rest == ZERO
        ):
            return  # the love cards pay it all
        if not selectors.card_payment_enabled():
            raise FailedPreCondition(
                url=reverse("checkout:payment-details"), message=SWITCHED_OFF
            )
        if not self.checkout_session.payment_method():
            raise FailedPreCondition(
                url=reverse("checkout:payment-details"), message=CHOOSE_CARD
            )

    def handle_payment_details_submission(self, request):
        love_form = LoveCardsForm(request.POST)
        card_form = CardForm(request.POST)
        forms = {"love_card_form": love_form, "card_form": card_form}
        lovecard.keep_cards(self.checkout_session, [])  # until checked again
        if not love_form.is_valid():
            return self.render_payment_details(request, **forms)
        verified = []
        for number, pin in love_form.pairs():
            try:
                card = card_services.check_card(
                    number=number, pin=pin, client=client_address(request)
                )
            except CardRefused as exc:
                return self.render_payment_details(request, error=exc.message, **forms)
            verified.append(card.number)
        lovecard.keep_cards(self.checkout_session, verified)
        plan = self._session_plan(request.basket)
        if verified and plan.rest == ZERO:
            self.checkout_session.pay_by("")
            return self.render_preview(request, **forms)
        if not selectors.card_payment_enabled():
            error = SWITCHED_OFF
            if verified:
                error = REST_NEEDS_CARD % {"cards": plan.card_total, "rest": plan.rest}
            return self.render_payment_details(request, error=error, **forms)
        if not card_form.is_valid():
            return self.render_payment_details(request, **forms)
        self.checkout_session.pay_by(card_form.cleaned_data["payment_method"])
        return self.render_preview(request, **forms)

    def build_submission(self, **kwargs):
        submission = super().build_submission(**kwargs)
        payment_kwargs = submission["payment_kwargs"]
        payment_kwargs["payment_method"] = self.checkout_session.payment_method()
        payment_kwargs["love_cards"] = lovecard.session_cards(self.checkout_session)
        payment_kwargs["love_card_eligible"] = paying.basket_eligible_amount(
            submission["basket"]
        )
        return submission

    def handle_payment(self, order_number, total, **kwargs):
        order_number = str(order_number)  # Oscar's generator gives an int
        plan = lovecard.plan_for(
            kwargs.get("love_cards") or [],
            eligible=kwargs.get("love_card_eligible") or ZERO,
            total=total.incl_tax,
        )
        if plan.cards:
            try:  # before Stripe: a card refused now costs the payer nothing
                card_services.check_spendable(cards=plan.cards)
            except CardRefused as exc:
                raise UnableToTakePayment(exc.message) from exc
            self._love_card_plan = plan
            for source, amount, reference in lovecard.oscar_records(
                plan, total.currency
            ):
                self.add_payment_source(source)
                self.add_payment_event(lovecard.PAID, amount, reference=reference)
        if plan.rest == ZERO:
            return
        if not selectors.card_payment_enabled():
            raise UnableToTakePayment(SWITCHED_OFF)
        key = (
            lovecard.mixed_attempt_key(order_number)
            if plan.cards
            else services.next_attempt_key(prefix="checkout", order_number=order_number)
        )
        try:
            self._card_payment = services.start_card_payment(
                order_number=order_number,
                amount_yuan=plan.rest,
                payment_method=kwargs.get("payment_method") or "",
                idempotency_key=key,
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

    def place_order(self, **kwargs):
        """The love cards are debited in the order's own transaction (with the
        order, the lots it reserves and the cards: one audit INSERT)."""
        plan = self._love_card_plan
        with transaction.atomic(), audit.batch():
            if plan is not None:
                card_services.spend(
                    cards=plan.cards,
                    order_number=str(kwargs["order_number"]),
                    eligible=plan.eligible,
                    actor=kwargs["user"] if kwargs["user"].is_authenticated else None,
                )
            order = super().place_order(**kwargs)
            audit.record(
                "order.placed",
                order,
                {"total": order.total_incl_tax, "basket": order.basket_id},
                actor=kwargs["user"],
            )
            return order

    def handle_order_placement(self, order_number, *args, **kwargs):
        try:
            return super().handle_order_placement(order_number, *args, **kwargs)
        except CardRefused as exc:
            if self._card_payment is not None:
                lovecard.give_back(self._card_payment.payment)
            raise UnableToPlaceOrder(exc.message) from exc

    def save_payment_details(self, order):
        super().save_payment_details(order)
        if self._card_payment is not None:
            services.attach_order(payment_id=self._card_payment.payment.pk, order=order)

    def get_success_url(self):
        if self._card_payment is not None and self._card_payment.redirect_url:
            return self._card_payment.redirect_url
        return super().get_success_url()
