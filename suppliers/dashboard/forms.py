"""Forms of the supply dashboard.

They only parse what the user typed into typed values; every business rule (shares
summing to the lot, membership, kg to the gram, stock never below reserved) stays in
the services, whose ``ValidationError`` messages ``apply_service_errors`` puts back
on the matching field.
"""

from collections.abc import Mapping

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shop import uploads
from suppliers.imports import MAX_BYTES
from suppliers.models import Cooperative, HouseholdStatus, MovementKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
KG_INPUT = forms.NumberInput(attrs={"step": "0.001"})


def apply_service_errors(
    form: forms.BaseForm,
    exc: ValidationError,
    field_map: Mapping[str, str] | None = None,
) -> None:
    """Show a service's field errors on the form; unknown fields go on top."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, messages in errors.items():
        field = (field_map or {}).get(name, name)
        form.add_error(field if field in form.fields else None, messages)


class CooperativeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class HouseholdChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.archive_number} · {obj.village.name}"


class CooperativeMixin:
    """Adds a cooperative field only when the user has a choice to make."""

    def add_cooperative_field(self, cooperatives, initial=None) -> None:
        """``cooperatives``: the user's, as a list (evaluated once by the view)."""
        if len(cooperatives) > 1:
            choices = Cooperative.objects.select_related("partner").filter(
                pk__in=[c.pk for c in cooperatives]
            )
            self.fields["cooperative"] = CooperativeChoiceField(
                label=_("Cooperative"), queryset=choices, initial=initial
            )
            self.order_fields(["cooperative"])
        self.only_cooperative = cooperatives[0] if len(cooperatives) == 1 else None

    @property
    def cooperative(self):
        return self.cleaned_data.get("cooperative") or self.only_cooperative

    def clean(self):
        cleaned = super().clean()
        if "cooperative" not in self.fields and self.only_cooperative is None:
            raise ValidationError(_("You do not manage any cooperative."))
        return cleaned


# --- lots -----------------------------------------------------------------------


class LotFilterForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=None, required=False, empty_label=_("All")
    )
    open_only = forms.BooleanField(label=_("Open lots only"), required=False)

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products


class ChooseCooperativeForm(forms.Form):
    """First step of a new lot for users with several cooperatives: the household
    choices of the lot form depend on the cooperative."""

    cooperative = CooperativeChoiceField(label=_("Cooperative"), queryset=None)

    def __init__(self, *args, cooperatives, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cooperative"].queryset = cooperatives


class LotForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=None)
    code = forms.CharField(label=_("Lot code"), max_length=64)
    harvest_date = forms.DateField(label=_("Harvest date"), widget=DATE)
    best_before = forms.DateField(label=_("Best before"), widget=DATE)
    kg = forms.DecimalField(label=_("Received (kg)"), widget=KG_INPUT)
    unit_price = forms.DecimalField(
        label=_("Unit price (yuan)"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
        help_text=_(
            "Price of one unit of sale. Needed for the first lot of a product; "
            "when given later it replaces the current price."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        Product = apps.get_model("catalogue", "Product")
        self.fields["product"].queryset = (
            Product.objects.exclude(structure=Product.PARENT)
            .filter(net_weight_kg__gt=0)
            .order_by("title")
        )


class ShareForm(forms.Form):
    household = HouseholdChoiceField(label=_("Household"), queryset=None)
    kg = forms.DecimalField(label=_("kg"), widget=KG_INPUT)

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households


class BaseShareFormSet(forms.BaseFormSet):
    """Household shares of a new lot; the service's share errors are shown above
    the rows (they concern the shares together, e.g. a wrong total)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.service_errors: list[str] = []

    def non_form_errors(self):
        errors = list(super().non_form_errors()) + self.service_errors
        return self.error_class(errors, error_class="nonform")

    def shares(self) -> list[tuple[int, object]]:
        """(household id, kg) of the filled-in rows, in the order shown."""
        return [
            (form.cleaned_data["household"].pk, form.cleaned_data["kg"])
            for form in self.forms
            if form.cleaned_data.get("household")
        ]


ShareFormSet = forms.formset_factory(ShareForm, formset=BaseShareFormSet, extra=6)


class LotAdjustForm(forms.Form):
    delta_kg = forms.DecimalField(
        label=_("Change (kg)"),
        widget=KG_INPUT,
        help_text=_("Positive to add kilograms, negative to remove them."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)


class LotWriteOffForm(forms.Form):
    kg = forms.DecimalField(
        label=_("kg to write off"),
        required=False,
        widget=KG_INPUT,
        help_text=_("Leave empty to write off all kilograms that are not reserved."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)


class LotImportForm(CooperativeMixin, forms.Form):
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, cooperatives, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_cooperative_field(cooperatives)

    def clean_file(self):
        # Size (before reading), extension and content: shop.uploads.
        return uploads.validate_spreadsheet(
            self.cleaned_data["file"], max_bytes=MAX_BYTES
        )


# --- households --------------------------------------------------------------------


class HouseholdFilterForm(forms.Form):
    archive_number = forms.CharField(label=_("Archive number"), required=False)
    status = forms.ChoiceField(
        label=_("Poverty status"),
        required=False,
        choices=[("", _("All")), *HouseholdStatus.choices],
    )


class VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class HouseholdForm(CooperativeMixin, forms.Form):
    archive_number = forms.CharField(label=_("Archive number"), max_length=32)
    village = VillageChoiceField(label=_("Village"), queryset=None)
    size = forms.IntegerField(label=_("Household size"))
    status = forms.ChoiceField(
        label=_("Poverty status"),
        choices=HouseholdStatus.choices,
        initial=HouseholdStatus.REGISTERED,
    )
    year_lifted_out = forms.IntegerField(label=_("Year lifted out"), required=False)
    joined_on = forms.DateField(
        label=_("Joined the cooperative on"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty for today."),
    )

    def __init__(self, *args, cooperatives, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.add_cooperative_field(cooperatives)
        if self.only_cooperative is not None:
            self.fields["village"].initial = self.only_cooperative.village_id


class HouseholdStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Poverty status"), choices=HouseholdStatus.choices
    )
    year_lifted_out = forms.IntegerField(label=_("Year lifted out"), required=False)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


# --- movements ---------------------------------------------------------------------


class MovementFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All")), *MovementKind.choices],
    )
    lot_code = forms.CharField(label=_("Lot code"), required=False)
