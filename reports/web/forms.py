"""The report pages' filter form: the period, the interval, and a select per
filter. It only renders: the query string is checked by
``reports.params.query_from_params`` (the API's checks), so a page and the API
accept and refuse the same input."""

from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from channels.models import Channel, ChannelKind
from reports.access import Scope
from suppliers.models import Cooperative, County, Town, Village

from .links import GROUPING_LABELS, INTERVAL_LABELS

ANY = ("", _("Any"))
# Filters offered as selects; a household filter comes from a drill-down only
# (tens of thousands of households make no select) and is kept as a hidden field.
SELECTS = (
    "channel-kind",
    "channel",
    "canteen",
    "county",
    "town",
    "village",
    "cooperative",
    "category",
    "product",
)


def _choices(name: str, scope: Scope) -> list:
    """The options of one filter; a cooperative or canteen sees only its own."""
    if name == "channel-kind":
        return list(ChannelKind.choices)
    if name == "channel":
        rows = Channel.objects.order_by("kind", "name").values_list("pk", "name")
    elif name == "county":
        rows = County.objects.order_by("name").values_list("pk", "name")
    elif name == "town":
        rows = Town.objects.order_by("county__name", "name").values_list(
            "pk", "county__name", "name"
        )
        rows = [(pk, f"{county} · {town}") for pk, county, town in rows]
    elif name == "village":
        rows = [
            (pk, f"{town} · {village}")
            for pk, town, village in Village.objects.order_by(
                "town__county__name", "town__name", "name"
            ).values_list("pk", "town__name", "name")
        ]
    elif name == "cooperative":
        cooperatives = Cooperative.objects.order_by("partner__name")
        if scope.dimension == "cooperative":
            cooperatives = cooperatives.filter(pk__in=scope.ids)
        rows = cooperatives.values_list("pk", "partner__name")
    elif name == "canteen":
        canteens = apps.get_model("canteens", "Organisation").objects.order_by("name")
        if scope.dimension == "canteen":
            canteens = canteens.filter(pk__in=scope.ids)
        rows = canteens.values_list("pk", "name")
    elif name == "category":
        Category = apps.get_model("catalogue", "Category")
        rows = [
            (pk, "— " * (depth - 1) + label)
            for pk, depth, label in Category.objects.order_by("path").values_list(
                "pk", "depth", "name"
            )
        ]
    else:  # product
        Product = apps.get_model("catalogue", "Product")
        rows = (
            Product.objects.exclude(structure="parent")
            .order_by("title")
            .values_list("pk", "title")
        )
    return [(str(pk), label) for pk, label in rows]


class ReportForm(forms.Form):
    """From, to, (interval,) and the filters; bound to the page's query string so
    that the choices made show as selected."""

    def __init__(
        self,
        data,
        *,
        scope: Scope,
        interval: bool = False,
        filters: tuple[str, ...] = SELECTS,
    ):
        super().__init__(data)
        date = forms.DateInput(attrs={"type": "date", "class": "form-control"})
        self.fields["from"] = forms.DateField(label=_("From"), widget=date)
        self.fields["to"] = forms.DateField(label=_("To"), widget=date)
        select = {"class": "custom-select"}
        if interval:
            self.fields["interval"] = forms.ChoiceField(
                label=_("Interval"),
                choices=list(INTERVAL_LABELS.items()),
                widget=forms.Select(attrs=select),
            )
        self.filter_names = []
        for name in filters:
            self.fields[name] = forms.ChoiceField(
                label=GROUPING_LABELS[name],
                choices=[ANY, *_choices(name, scope)],
                required=False,
                widget=forms.Select(attrs=select),
            )
            self.filter_names.append(name)
        if "household" in (data or {}):
            self.fields["household"] = forms.CharField(widget=forms.HiddenInput)

    @property
    def period_fields(self):
        return [
            self[name] for name in ("from", "to", "interval") if name in self.fields
        ]

    @property
    def filtered(self) -> bool:
        """Whether any filter is set (the filters then show open)."""
        return any(self.data.get(name) for name in self.filter_names)

    @property
    def filter_fields(self):
        return [self[name] for name in self.filter_names]
