"""Product form with the produce facts (unit, net weight, certificate...)."""

from oscar.apps.dashboard.catalogue import forms as oscar_forms
from oscar.apps.dashboard.catalogue.forms import *  # noqa: F403

PRODUCE_FIELDS = [
    "unit_of_sale",
    "net_weight_kg",
    "origin_village",
    "grade",
    "shelf_life_days",
    "storage",
    "certificate_number",
    "certificate_issuer",
    "certificate_valid_until",
]


class ProductForm(oscar_forms.ProductForm):
    class Meta(oscar_forms.ProductForm.Meta):
        fields = oscar_forms.ProductForm.Meta.fields + PRODUCE_FIELDS
