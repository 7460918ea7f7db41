from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# A Stripe payment method id, as Stripe.js (or Stripe's test cards) give them.
PAYMENT_METHOD = RegexValidator(
    r"^pm_[A-Za-z0-9_]+$", _("Not a Stripe payment method id (pm_...).")
)
