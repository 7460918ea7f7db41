"""Product form with the produce facts (unit, net weight, certificate...), and the
dashboard's uploads (product and category images, attribute files) checked by
``shop.uploads``: the proxy serves them from /media/ as they were uploaded."""

from django import forms
from oscar.apps.dashboard.catalogue import forms as oscar_forms
from oscar.apps.dashboard.catalogue.forms import *  # noqa: F403

from shop import uploads

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


def _attr_file_field(attribute):
    return forms.FileField(
        label=attribute.name,
        required=attribute.required,
        validators=[uploads.validate_attachment],
    )


def _attr_image_field(attribute):
    return forms.ImageField(
        label=attribute.name,
        required=attribute.required,
        validators=[uploads.validate_image],
    )


class ProductForm(oscar_forms.ProductForm):
    FIELD_FACTORIES = {
        **oscar_forms.ProductForm.FIELD_FACTORIES,
        "file": _attr_file_field,
        "image": _attr_image_field,
    }

    class Meta(oscar_forms.ProductForm.Meta):
        fields = oscar_forms.ProductForm.Meta.fields + PRODUCE_FIELDS


class ProductImageForm(oscar_forms.ProductImageForm):
    def clean_original(self):
        return uploads.validate_image(self.cleaned_data["original"])


class CategoryForm(oscar_forms.CategoryForm):
    def clean_image(self):
        return uploads.validate_image(self.cleaned_data["image"])
