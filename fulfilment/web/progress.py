"""Pages of the reserved share: the canteen's Progress tab and the officials' report.

The Progress tab (``/canteen/progress/``) shows a member's canteens (staff: every
canteen) and lets staff and a canteen's approvers set its plan for the year; the
report (``/reports/canteens/``) shows officials and staff every canteen, those
behind pace first. Reads from ``fulfilment.quota``; the plan is written by
``canteens.services.set_procurement_plan``.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from canteens import services
from canteens.models import PROVINCIAL_SHARE, Organisation, Role, as_percent
from canteens.selectors import is_approver, organisation_ids, organisations_for
from fulfilment import quota
from suppliers.access import is_staff, sees_all_supply

from .views import MemberMixin


class PlanForm(forms.Form):
    """A canteen's plan for a year; the ranges are the service's to check."""

    organisation = forms.IntegerField(widget=forms.HiddenInput)
    year = forms.IntegerField(widget=forms.HiddenInput)
    food_budget = forms.DecimalField(
        label=gettext_lazy("Annual food-procurement budget (yuan)"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(
            attrs={"step": "0.01", "min": "0", "class": "form-control"}
        ),
    )
    reserved_ratio = forms.DecimalField(
        label=gettext_lazy("Reserved share"),
        max_digits=3,
        decimal_places=2,
        initial=PROVINCIAL_SHARE,
        help_text=gettext_lazy("0.30 means 30 percent; at least 0.10"),
        widget=forms.NumberInput(
            attrs={"step": "0.01", "min": "0.10", "max": "1", "class": "form-control"}
        ),
    )


@dataclass
class Row:
    progress: quota.Progress
    form: PlanForm | None  # for those who may set the plan


def _year(request) -> int:
    """``?year=`` when it is a plausible year, else this year."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    if services.FIRST_PLAN_YEAR <= year <= services.LAST_PLAN_YEAR:
        return year
    return timezone.localdate().year


def _years(year: int) -> dict:
    return {
        "year": year,
        "previous_year": year - 1 if year > services.FIRST_PLAN_YEAR else None,
        "next_year": year + 1 if year < services.LAST_PLAN_YEAR else None,
        "provincial_share": as_percent(PROVINCIAL_SHARE),
    }


def plan_form(canteen: int, data=None, **kwargs) -> PlanForm:
    """The plan form of one canteen: its own field ids, several on a page."""
    return PlanForm(data, auto_id=f"id_plan_{canteen}_%s", **kwargs)


class ProgressView(MemberMixin, TemplateView):
    """The Progress tab: target, received, percent, pace of the user's canteens."""

    template_name = "fulfilment/progress.html"
    extra_context = {"active_tab": "progress"}

    def get_context_data(self, *, bound: PlanForm | None = None, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        year = _year(self.request)
        if bound is not None and bound.cleaned_data.get("year"):
            year = bound.cleaned_data["year"]
        staff = is_staff(user)
        planners = organisation_ids(user=user, role=Role.APPROVER)
        rows = []
        progress_rows = quota.procurement_progress(
            year=year, organisation_ids=None if staff else organisation_ids(user=user)
        )
        for progress in progress_rows:
            canteen = progress.organisation.pk
            form = None
            if bound is not None and bound.cleaned_data["organisation"] == canteen:
                form = bound
            elif staff or canteen in planners:
                form = plan_form(
                    canteen,
                    initial={
                        "organisation": canteen,
                        "year": year,
                        "food_budget": progress.budget,
                        "reserved_ratio": progress.ratio or PROVINCIAL_SHARE,
                    },
                )
            rows.append(Row(progress, form))
        context.update(_years(year), rows=rows)
        return context


class SetPlanView(ProgressView):
    """The Progress tab's plan form: staff and the canteen's approvers (another
    canteen's plan answers 404; a buyer's own canteen's, 403)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = PlanForm(request.POST)
        valid = form.is_valid()
        visible = Organisation.objects.filter(is_active=True)
        if not is_staff(request.user):
            visible = organisations_for(user=request.user)
        organisation = get_object_or_404(
            visible, pk=form.cleaned_data.get("organisation") or 0
        )
        if not (
            is_staff(request.user)
            or is_approver(user=request.user, organisation_id=organisation.pk)
        ):
            raise PermissionDenied
        form.auto_id = f"id_plan_{organisation.pk}_%s"
        if valid:
            try:
                saved = services.set_procurement_plan(
                    organisation_id=organisation.pk,
                    year=form.cleaned_data["year"],
                    food_budget=form.cleaned_data["food_budget"],
                    reserved_ratio=form.cleaned_data["reserved_ratio"],
                    actor=request.user,
                )
            except Organisation.DoesNotExist:
                raise PermissionDenied from None  # a member, not an approver
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    field = name if name in form.fields and name != "year" else None
                    form.add_error(field, errors)
            else:
                messages.success(
                    request,
                    _("The %(year)s procurement plan of %(canteen)s is saved.")
                    % {"year": saved.plan.year, "canteen": organisation.name},
                )
                url = reverse("canteen:progress")
                return redirect(f"{url}?year={saved.plan.year}")
        context = self.get_context_data(bound=form)
        return self.render_to_response(context, status=400)


class OfficialsMixin(LoginRequiredMixin):
    """Reports for officials and staff; anyone else signed in gets 403."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not sees_all_supply(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class CanteenReportView(OfficialsMixin, TemplateView):
    """Every active canteen's progress, those behind pace first."""

    template_name = "fulfilment/reports/canteens.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = _year(self.request)
        rows = quota.needing_attention_first(quota.procurement_progress(year=year))
        context.update(
            _years(year),
            rows=rows,
            behind=sum(1 for row in rows if row.behind_pace),
            without_plan=sum(1 for row in rows if not row.has_plan),
            expected_percent=quota.year_pace(
                year=year, today=timezone.localdate()
            ).percent,
        )
        return context
