"""API views of villages, cooperatives, households and stock movements.

Thin adapters: a serializer checks the body, a service writes, a selector reads.
Objects are looked up only in the user's scoped querysets (``suppliers.selectors``):
reads in what the user may see, writes in what they may change, so anything
outside answers 404. Roles that never write are refused first, with 403.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from shop.api.fields import MAX_ID
from suppliers import selectors, services
from suppliers.api.filters import HouseholdFilter, MovementFilter
from suppliers.api.permissions import ReadOrSupplyWriter
from suppliers.api.serializers import (
    CooperativeSerializer,
    CooperativeUpdateSerializer,
    HouseholdCreateSerializer,
    HouseholdSerializer,
    HouseholdStatusSerializer,
    HouseholdUpdateSerializer,
    MovementSerializer,
    VillageSerializer,
)
from suppliers.models import HouseholdStatusChange


def is_read(request) -> bool:
    return request.method in SAFE_METHODS


def with_history(households):
    history = HouseholdStatusChange.objects.select_related("changed_by")
    return households.prefetch_related(Prefetch("status_changes", history))


class ReadViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """List and retrieve; subclasses add their writes as explicit methods, so no
    write (PUT, DELETE) exists unless a service backs it."""

    permission_classes = [ReadOrSupplyWriter]

    def get_object(self):
        # An id past the databases' range names no row. Django checks the range
        # itself only for integer primary keys; a cooperative's is its partner
        # relation, and SQLite raises OverflowError on it (a 500) instead.
        try:
            in_range = 1 <= int(self.kwargs[self.lookup_field]) <= MAX_ID
        except ValueError:
            in_range = False
        if not in_range:
            raise NotFound
        return super().get_object()


class VillageViewSet(ReadViewSet):
    """Villages of Qingyuan, for choosing a household's village in forms."""

    serializer_class = VillageSerializer

    def get_queryset(self):
        return selectors.villages_list()


# A cooperative's id is its partner's: spectacular cannot see that ``pk`` is an int.
COOPERATIVE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH)


@extend_schema_view(
    retrieve=extend_schema(parameters=[COOPERATIVE_ID]),
    partial_update=extend_schema(parameters=[COOPERATIVE_ID]),
)
class CooperativeViewSet(ReadViewSet):
    """Cooperatives are public suppliers; only their managers (or staff) edit them."""

    serializer_class = CooperativeSerializer

    def get_queryset(self):
        user = self.request.user
        if is_read(self.request):
            return selectors.cooperatives_list(user=user)
        return selectors.managed_cooperatives(user=user)

    @extend_schema(request=CooperativeUpdateSerializer, responses=CooperativeSerializer)
    def partial_update(self, request, pk=None):
        cooperative = self.get_object()
        body = CooperativeUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.update_cooperative(cooperative=cooperative, **body.validated_data)
        return Response(CooperativeSerializer(cooperative).data)


class HouseholdViewSet(ReadViewSet):
    """Registered poor households, with their poverty-status history."""

    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilter

    def get_queryset(self):
        user = self.request.user
        if is_read(self.request):
            households = selectors.households_visible(user=user)
        else:
            households = selectors.households_changeable(user=user)
        return with_history(households)

    def _answer(self, household_id, code=status.HTTP_200_OK):
        """The household as the user now sees it, history included."""
        visible = with_history(selectors.households_visible(user=self.request.user))
        household = visible.get(pk=household_id)
        return Response(HouseholdSerializer(household).data, status=code)

    @extend_schema(
        request=HouseholdCreateSerializer, responses={201: HouseholdSerializer}
    )
    def create(self, request):
        body = HouseholdCreateSerializer(
            data=request.data, context={"request": request}
        )
        body.is_valid(raise_exception=True)
        household = services.register_household(
            actor=request.user, **body.validated_data
        )
        return self._answer(household.pk, status.HTTP_201_CREATED)

    @extend_schema(request=HouseholdUpdateSerializer, responses=HouseholdSerializer)
    def partial_update(self, request, pk=None):
        household = self.get_object()
        body = HouseholdUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.update_household(household_id=household.pk, **body.validated_data)
        return self._answer(household.pk)

    @extend_schema(request=HouseholdStatusSerializer, responses=HouseholdSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        """Change the poverty status; the change is kept in the history."""
        household = self.get_object()
        body = HouseholdStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.change_household_status(
            household_id=household.pk, actor=request.user, **body.validated_data
        )
        return self._answer(household.pk)


class MovementViewSet(ReadViewSet):
    """Every change to the user's lots, newest first: the stock audit trail."""

    serializer_class = MovementSerializer
    filterset_class = MovementFilter

    def get_queryset(self):
        return selectors.movements_visible(user=self.request.user)
