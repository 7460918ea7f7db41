"""API of canteens' procurement plans and their progress towards the reserved share.

- ``GET /procurement-progress/?year=``: officials and staff see every canteen, a
  canteen's members see their canteens; anyone else signed in gets an empty list
  (like every scoped list here, it says nothing about which canteens exist).
- ``GET /procurement-plans/?year=``: the plans the user may see, same scope.
- ``POST /procurement-plans/``: create or replace a canteen's plan for a year;
  staff and the canteen's approvers only (officials, buyers and others get 403).

Thin adapters: the query string and body are checked here, the rule is
``canteens.services.set_procurement_plan``, the reads ``fulfilment.quota`` and
``canteens.selectors``.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from canteens import services
from canteens.models import Organisation, Role
from canteens.selectors import organisations_for, plans_visible
from fulfilment import quota
from fulfilment.api.permissions import PLANNERS, ReadOrRoleWriter
from fulfilment.api.serializers import CanteenRefSerializer
from fulfilment.api.views import checked
from shop.api.fields import ScopedIdField
from suppliers.access import is_staff

YEAR_RANGE = {
    "min_value": services.FIRST_PLAN_YEAR,
    "max_value": services.LAST_PLAN_YEAR,
}


def _yuan(**kwargs):
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


def _ratio(**kwargs):
    return serializers.DecimalField(max_digits=3, decimal_places=2, **kwargs)


def _target(**kwargs):
    # Budget (fen) times ratio (hundredths): exact with four decimals.
    return serializers.DecimalField(
        max_digits=16,
        decimal_places=4,
        help_text=_("Food budget times reserved share, exact (not rounded)"),
        **kwargs,
    )


def _percent(**kwargs):
    return serializers.DecimalField(max_digits=7, decimal_places=1, **kwargs)


def _plannable_canteens(*, user):
    """Canteens whose plans the user may set: staff every active one, approvers
    their own."""
    if is_staff(user):
        return Organisation.objects.filter(is_active=True)
    return organisations_for(user=user, role=Role.APPROVER)


# --- query strings and bodies --------------------------------------------------------


class ProgressQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        required=False,
        help_text=_("The calendar year; this year if left out"),
        **YEAR_RANGE,
    )


class PlanQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        required=False, help_text=_("Only this year's plans"), **YEAR_RANGE
    )


class ProcurementPlanInputSerializer(serializers.Serializer):
    # Types only: the ranges (year, budget not negative, share at least the
    # national floor) are the service's, with its messages.
    organisation = ScopedIdField(
        scope=_plannable_canteens,
        help_text=_("The canteen; its approvers and staff may set its plan"),
    )
    year = serializers.IntegerField()
    food_budget = _yuan(help_text=_("Annual food-procurement budget in yuan"))
    reserved_ratio = _ratio(
        help_text=_(
            "Share of the budget reserved for poverty-area produce, 0.10 to 1.00; "
            "Guangdong asks for at least 0.30"
        )
    )


# --- representations -----------------------------------------------------------------


class ProcurementPlanSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    canteen = CanteenRefSerializer(source="organisation")
    year = serializers.IntegerField()
    food_budget = _yuan()
    reserved_ratio = _ratio()
    target = _target()
    below_provincial = serializers.BooleanField(
        help_text=_("The reserved share is below Guangdong's 30%")
    )
    updated_at = serializers.DateTimeField()


class ProgressSerializer(serializers.Serializer):
    canteen = CanteenRefSerializer(source="organisation")
    year = serializers.IntegerField()
    has_plan = serializers.BooleanField(
        help_text=_("Without a plan for the year, the plan's fields are null")
    )
    food_budget = _yuan(source="budget", allow_null=True)
    reserved_ratio = _ratio(source="ratio", allow_null=True)
    target = _target(allow_null=True)
    received_yuan = _yuan(
        help_text=_(
            "Received certified poverty-area produce on orders delivered in the "
            "year (what the canteen owes), in yuan"
        )
    )
    percent = _percent(
        allow_null=True, help_text=_("Received as a percentage of the target")
    )
    expected_percent = _percent(
        help_text=_("Share of the year elapsed: where the canteen should be by now")
    )
    behind_pace = serializers.BooleanField(
        help_text=_("Received less of the target than the share of the year elapsed")
    )
    below_provincial = serializers.BooleanField(
        help_text=_("The reserved share is below Guangdong's 30%")
    )


# --- views ---------------------------------------------------------------------------


class ProcurementProgressViewSet(viewsets.GenericViewSet):
    """Each canteen's progress towards its reserved share of food procurement for
    poverty-area produce. Officials and staff see every canteen, members their
    own, anyone else an empty list."""

    serializer_class = ProgressSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        parameters=[ProgressQuerySerializer],
        responses=ProgressSerializer(many=True),
    )
    def list(self, request):
        """Progress by canteen name: target, received, percentages and flags.
        Counts only received lines of certified produce on orders delivered in
        the year."""
        query = checked(ProgressQuerySerializer, request.query_params)
        rows = quota.procurement_progress(
            year=query.get("year") or timezone.localdate().year,
            organisation_ids=quota.progress_scope(user=request.user),
        )
        return Response(ProgressSerializer(rows, many=True).data)


class ProcurementPlanViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Canteens' yearly food-procurement budgets and reserved shares. Officials and
    staff read every plan, members their canteens'; staff and a canteen's approvers
    set them."""

    serializer_class = ProcurementPlanSerializer
    permission_classes = [ReadOrRoleWriter]
    filter_backends = []  # the year is checked by ``PlanQuerySerializer``
    writers = {"create": PLANNERS}
    year = None

    def get_queryset(self):
        plans = plans_visible(user=self.request.user)
        if self.year is not None:
            plans = plans.filter(year=self.year)
        return plans.order_by("-year", "organisation__name", "pk")

    @extend_schema(parameters=[PlanQuerySerializer])
    def list(self, request, *args, **kwargs):
        self.year = checked(PlanQuerySerializer, request.query_params).get("year")
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=ProcurementPlanInputSerializer,
        responses={
            201: ProcurementPlanSerializer,
            200: OpenApiResponse(
                ProcurementPlanSerializer, description="The year's plan, replaced"
            ),
        },
    )
    def create(self, request):
        """Set a canteen's plan for a year: created (201), or replaced if the year
        already has one (200). A share below the national floor of 10% is refused;
        below Guangdong's 30% it is kept and flagged."""
        data = checked(ProcurementPlanInputSerializer, request.data, request=request)
        saved = services.set_procurement_plan(
            organisation_id=data["organisation"].pk,
            year=data["year"],
            food_budget=data["food_budget"],
            reserved_ratio=data["reserved_ratio"],
            actor=request.user,
        )
        code = status.HTTP_201_CREATED if saved.created else status.HTTP_200_OK
        return Response(ProcurementPlanSerializer(saved.plan).data, status=code)
