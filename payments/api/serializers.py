"""Bodies of the card-payment API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from payments.validators import PAYMENT_METHOD


class CardPaymentCreateSerializer(serializers.Serializer):
    payment_method = serializers.CharField(
        max_length=255,
        validators=[PAYMENT_METHOD],
        help_text=_(
            "The payer's Stripe payment method (pm_...), from Stripe.js or the "
            "Stripe API; card numbers never reach this server."
        ),
    )
    return_url = serializers.URLField(
        max_length=1000,
        required=False,
        default="",
        help_text=_(
            "Where the bank sends the card holder back after 3-D Secure, when it "
            "asks for a redirect."
        ),
    )


class RequestKeySerializer(serializers.Serializer):
    idempotency_key = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class NextActionSerializer(serializers.Serializer):
    type = serializers.CharField(help_text=_("redirect_to_url or use_stripe_sdk"))
    redirect_url = serializers.CharField(allow_blank=True)


class CardPaymentSerializer(serializers.Serializer):
    """A card payment of an order, as the payer sees it."""

    order = serializers.CharField(help_text=_("The order number"))
    payment = serializers.IntegerField(help_text=_("The card payment's id"))
    # A plain string in the schema: the enum name "status" is taken.
    status = serializers.CharField(
        help_text=_(
            "created, requires_action (the card holder must confirm: see "
            "next_action), processing, authorised, failed, canceled or succeeded"
        )
    )
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    refunded = serializers.DecimalField(max_digits=12, decimal_places=2)
    client_secret = serializers.CharField(
        allow_blank=True,
        help_text=_(
            "While the card holder must confirm: the PaymentIntent's client secret, "
            "for Stripe.js (handleNextAction); empty otherwise."
        ),
    )
    next_action = NextActionSerializer(allow_null=True)


class CardPaymentErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
