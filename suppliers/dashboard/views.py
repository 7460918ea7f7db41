"""Supply dashboard pages: thin adapters over the supply services and selectors.

Every object is looked up in a selector's scoped queryset, so another cooperative's
lot or household answers 404 rather than 403 (which would confirm it exists). Oscar
checks dashboard access (staff or ``partner.dashboard_access``) before any of these
views runs; see ``SupplyDashboardConfig.default_permissions``.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import FormView, ListView, TemplateView

from suppliers import imports, services, stock
from suppliers.errors import StockConflict
from suppliers.models import LotShare, Membership
from suppliers.selectors import (
    households_changeable,
    households_visible,
    lots_changeable,
    lots_visible,
    managed_cooperatives,
    movements_visible,
    villages_list,
)

from .forms import (
    ChooseCooperativeForm,
    HouseholdFilterForm,
    HouseholdForm,
    HouseholdStatusForm,
    LotAdjustForm,
    LotFilterForm,
    LotForm,
    LotImportForm,
    LotWriteOffForm,
    MovementFilterForm,
    ShareFormSet,
    apply_service_errors,
)

PAGE_SIZE = 25
LOT_MOVEMENTS_SHOWN = 100
PERCENT = Decimal("0.1")


# --- lots -------------------------------------------------------------------------


class LotListView(ListView):
    template_name = "suppliers/dashboard/lot_list.html"
    context_object_name = "lots"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        visible = lots_visible(user=self.request.user)
        Product = apps.get_model("catalogue", "Product")
        products = Product.objects.filter(pk__in=visible.values("product_id")).order_by(
            "title"
        )
        self.form = LotFilterForm(self.request.GET or None, products=products)
        lots = visible.order_by("-harvest_date", "-pk")
        if self.form.is_valid():
            if self.form.cleaned_data["product"]:
                lots = lots.filter(product=self.form.cleaned_data["product"])
            if self.form.cleaned_data["open_only"]:
                lots = lots.filter(on_hand_kg__gt=0)
        return lots

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            form=self.form, is_filtered=self.form.is_bound, **kwargs
        )


class LotCreateView(TemplateView):
    """A new harvest lot with its household shares, received by ``receive_lot``.

    Users with several cooperatives (and staff) first choose the cooperative: the
    household choices of the shares depend on it.
    """

    template_name = "suppliers/dashboard/lot_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.cooperatives = managed_cooperatives(user=request.user)
        chosen = request.GET.get("cooperative", "")
        if chosen:
            if not chosen.isdigit():
                raise Http404
            self.cooperative = get_object_or_404(self.cooperatives, pk=chosen)
        else:
            only = list(self.cooperatives[:2])
            self.cooperative = only[0] if len(only) == 1 else None
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.cooperative is None:
            return self.render_to_response(
                self.get_context_data(
                    choose_form=ChooseCooperativeForm(cooperatives=self.cooperatives)
                )
            )
        return self.render_forms(LotForm(), self.share_formset())

    def post(self, request, *args, **kwargs):
        if self.cooperative is None:
            return self.get(request, *args, **kwargs)
        form = LotForm(request.POST)
        formset = self.share_formset(request.POST)
        if form.is_valid() and formset.is_valid():
            try:
                lot = stock.receive_lot(
                    cooperative=self.cooperative,
                    shares=[stock.ShareInput(h, kg) for h, kg in formset.shares()],
                    actor=request.user,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                errors = exc.message_dict
                formset.service_errors = errors.pop("shares", [])
                apply_service_errors(form, ValidationError(errors))
            else:
                messages.success(
                    request,
                    _("Lot %(code)s received: %(kg)s kg.")
                    % {"code": lot.code, "kg": lot.received_kg},
                )
                return redirect("dashboard:supply-lot-detail", pk=lot.pk)
        return self.render_forms(form, formset)

    def share_formset(self, data=None):
        households = households_visible(user=self.request.user).filter(
            memberships__cooperative=self.cooperative
        )
        return ShareFormSet(
            data, prefix="shares", form_kwargs={"households": households}
        )

    def render_forms(self, form, formset):
        return self.render_to_response(
            self.get_context_data(
                cooperative=self.cooperative,
                can_choose=self.request.GET.get("cooperative") is not None,
                form=form,
                formset=formset,
                has_members=formset.form_kwargs["households"].exists(),
            )
        )


@dataclass(frozen=True)
class ShareRow:
    share: LotShare
    percent: Decimal


class LotPageMixin:
    """The lot detail page, also re-shown by the adjust and write-off posts when the
    service refuses, with the refused form open and its errors."""

    template_name = "suppliers/dashboard/lot_detail.html"

    def render_lot(self, lot, *, adjust_form=None, write_off_form=None):
        user = self.request.user
        shares = lot.shares.select_related("household__village").order_by(
            "household__archive_number"
        )
        movements = lot.movements.select_related("actor")[:LOT_MOVEMENTS_SHOWN]
        return self.render_to_response(
            {
                "view": self,
                "lot": lot,
                "share_rows": [
                    ShareRow(s, (s.kg * 100 / lot.received_kg).quantize(PERCENT))
                    for s in shares
                ],
                "movements": movements,
                "movements_truncated": lot.movements.count() > LOT_MOVEMENTS_SHOWN,
                "can_change": lots_changeable(user=user).filter(pk=lot.pk).exists(),
                "adjust_form": adjust_form or LotAdjustForm(),
                "write_off_form": write_off_form or LotWriteOffForm(),
                "open_form": (
                    "adjust" if adjust_form else "write-off" if write_off_form else ""
                ),
            }
        )


class LotDetailView(LotPageMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        lot = get_object_or_404(lots_visible(user=request.user), pk=kwargs["pk"])
        return self.render_lot(lot)


class LotChangeView(LotPageMixin, TemplateView):
    """POST-only base of the adjust and write-off pages."""

    http_method_names = ["post"]
    form_class = None
    form_name = ""

    def post(self, request, *args, **kwargs):
        lot = get_object_or_404(lots_changeable(user=request.user), pk=kwargs["pk"])
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                lot = self.change(lot, form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc, {"kg": self.kg_field})
            except StockConflict as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, self.success_message(lot, form.cleaned_data))
                return redirect("dashboard:supply-lot-detail", pk=lot.pk)
        return self.render_lot(lot, **{self.form_name: form})


class LotAdjustView(LotChangeView):
    form_class = LotAdjustForm
    form_name = "adjust_form"
    kg_field = "delta_kg"

    def change(self, lot, data):
        return stock.adjust_lot(
            lot_id=lot.pk,
            delta_kg=data["delta_kg"],
            reason=data["reason"],
            actor=self.request.user,
        )

    def success_message(self, lot, data):
        return _("Lot %(code)s adjusted by %(kg)s kg; %(on_hand)s kg on hand.") % {
            "code": lot.code,
            "kg": data["delta_kg"],
            "on_hand": lot.on_hand_kg,
        }


class LotWriteOffView(LotChangeView):
    form_class = LotWriteOffForm
    form_name = "write_off_form"
    kg_field = "kg"

    def change(self, lot, data):
        return stock.write_off_lot(
            lot_id=lot.pk, kg=data["kg"], reason=data["reason"], actor=self.request.user
        )

    def success_message(self, lot, data):
        return _("Written off from lot %(code)s; %(on_hand)s kg on hand.") % {
            "code": lot.code,
            "on_hand": lot.on_hand_kg,
        }


class LotImportView(FormView):
    """Upload a CSV/XLSX of lots; all rows are imported or none, and a refused file
    comes back with a table of its errors by line."""

    template_name = "suppliers/dashboard/lot_import.html"
    form_class = LotImportForm

    def get_form_kwargs(self):
        cooperatives = list(managed_cooperatives(user=self.request.user))
        return {**super().get_form_kwargs(), "cooperatives": cooperatives}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            columns=imports.COLUMNS, required=imports.REQUIRED, **kwargs
        )

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            lots = imports.import_lots(
                cooperative=form.cooperative,
                content=upload.read(),
                filename=upload.name,
                actor=self.request.user,
            )
        except imports.ImportRejected as rejected:
            return self.render_to_response(
                self.get_context_data(form=form, import_errors=rejected.errors)
            )
        messages.success(
            self.request,
            ngettext("%(count)d lot imported", "%(count)d lots imported", len(lots))
            % {"count": len(lots)},
        )
        return redirect("dashboard:supply-lot-list")


# --- households --------------------------------------------------------------------


class HouseholdListView(ListView):
    template_name = "suppliers/dashboard/household_list.html"
    context_object_name = "households"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.form = HouseholdFilterForm(self.request.GET or None)
        households = households_visible(user=self.request.user).prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("cooperative__partner"),
            )
        )
        if self.form.is_valid():
            if number := self.form.cleaned_data["archive_number"].strip():
                households = households.filter(archive_number__icontains=number)
            if status := self.form.cleaned_data["status"]:
                households = households.filter(status=status)
        return households.order_by("archive_number")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            form=self.form, is_filtered=self.form.is_bound, **kwargs
        )


class HouseholdCreateView(FormView):
    """Register a household into one of the user's cooperatives."""

    template_name = "suppliers/dashboard/household_form.html"
    form_class = HouseholdForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "cooperatives": list(managed_cooperatives(user=self.request.user)),
            "villages": villages_list(),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            household = services.register_household(
                cooperative=form.cooperative,
                archive_number=data["archive_number"],
                village=data["village"],
                size=data["size"],
                status=data["status"],
                year_lifted_out=data["year_lifted_out"],
                joined_on=data["joined_on"],
                actor=self.request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Household %(number)s is a member of %(cooperative)s.")
            % {"number": household.archive_number, "cooperative": form.cooperative},
        )
        return redirect("dashboard:supply-household-detail", pk=household.pk)


class HouseholdDetailView(TemplateView):
    """A household's facts, status history and the lots it supplied (those the
    user may see); POST changes its poverty status."""

    template_name = "suppliers/dashboard/household_detail.html"

    def get(self, request, *args, **kwargs):
        household = get_object_or_404(
            households_visible(user=request.user), pk=kwargs["pk"]
        )
        return self.render_household(household, HouseholdStatusForm())

    def post(self, request, *args, **kwargs):
        household = get_object_or_404(
            households_changeable(user=request.user), pk=kwargs["pk"]
        )
        form = HouseholdStatusForm(request.POST)
        if form.is_valid():
            try:
                services.change_household_status(
                    household_id=household.pk, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Poverty status changed."))
                return redirect("dashboard:supply-household-detail", pk=household.pk)
        return self.render_household(household, form)

    def render_household(self, household, status_form):
        user = self.request.user
        shares = (
            LotShare.objects.filter(
                household=household, lot__in=lots_visible(user=user)
            )
            .select_related("lot__product", "lot__cooperative__partner")
            .order_by("-lot__harvest_date", "-lot_id")
        )
        return self.render_to_response(
            self.get_context_data(
                household=household,
                memberships=household.memberships.select_related(
                    "cooperative__partner"
                ),
                status_changes=household.status_changes.select_related("changed_by"),
                shares=shares,
                can_change=households_changeable(user=user)
                .filter(pk=household.pk)
                .exists(),
                status_form=status_form,
            )
        )


# --- movements ---------------------------------------------------------------------


class MovementListView(ListView):
    template_name = "suppliers/dashboard/movement_list.html"
    context_object_name = "movements"
    paginate_by = 50

    def get_queryset(self):
        self.form = MovementFilterForm(self.request.GET or None)
        movements = movements_visible(user=self.request.user)
        if self.form.is_valid():
            if kind := self.form.cleaned_data["kind"]:
                movements = movements.filter(kind=kind)
            if code := self.form.cleaned_data["lot_code"].strip():
                movements = movements.filter(lot__code__icontains=code)
        return movements

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            form=self.form, is_filtered=self.form.is_bound, **kwargs
        )
