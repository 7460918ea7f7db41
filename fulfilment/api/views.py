"""API views of canteen bulk orders, standing orders, cooperatives' allocations and
availability.

Thin adapters: a serializer checks the body, a service in ``fulfilment`` decides
and writes, a selector reads. Orders and allocations are looked up only in the
user's scoped querysets (``fulfilment.selectors``), so another canteen's order or
another cooperative's allocation answers 404; roles that never do a write are
refused first, with 403 (``permissions``).
"""

from contextlib import contextmanager

from django.apps import apps
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from fulfilment import (
    buyer_side,
    cooperative_side,
    delivery,
    placing,
    selectors,
    standing,
)
from fulfilment.api.filters import AllocationFilter, BulkOrderFilter
from fulfilment.api.permissions import (
    APPROVERS,
    BUYERS,
    COOPERATIVES,
    STAFF,
    ReadOrRoleWriter,
)
from fulfilment.api.serializers import (
    AllocationSerializer,
    AvailabilityQuerySerializer,
    BulkOrderCreateSerializer,
    BulkOrderSerializer,
    IdempotencyKeySerializer,
    OptionalReasonSerializer,
    ProductAvailabilitySerializer,
    ReasonSerializer,
    ReceiptInputSerializer,
    SaveAsStandingSerializer,
    ShipInputSerializer,
    StandingOrderCreateSerializer,
    StandingOrderSerializer,
    flat_errors,
    order_errors,
)
from fulfilment.validation import LineInput, OrderInvalid, why_not_orderable
from shop.api.parsers import JSONParser
from shop.apps.partner.strategy import Selector
from suppliers.access import is_staff

REPLAYED_HEADER = "Idempotent-Replayed"


def checked(serializer_class, data, **context):
    """The body's validated data, or a 400 with flat field names."""
    body = serializer_class(data=data, context=context)
    if not body.is_valid():
        raise ValidationError(flat_errors(body.errors))
    return body.validated_data


@contextmanager
def refused_order():
    """An order the services refuse answers 400 under the API's field names."""
    try:
        yield
    except OrderInvalid as exc:
        raise ValidationError(order_errors(exc)) from exc


def with_receipt(orders):
    """Add the receipt and its lines to ``selectors.with_lines``: 1 more query."""
    return orders.select_related("receipt").prefetch_related("receipt__lines")


CONFLICT = OpenApiResponse(description="Not allowed in the order's status (409)")
NUMBER = OpenApiParameter("number", str, OpenApiParameter.PATH)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description=(
        "Up to 255 characters. Repeating a request with the same key and body "
        "answers the first order (200, header Idempotent-Replayed: true); the same "
        "key with another body answers 422."
    ),
)


def _order_schema(request=None, **responses):
    return extend_schema(
        request=request,
        responses={200: BulkOrderSerializer, 409: CONFLICT, **responses},
    )


@extend_schema_view(
    retrieve=extend_schema(parameters=[NUMBER]),
    cancel=extend_schema(parameters=[NUMBER]),
    approve=extend_schema(parameters=[NUMBER]),
    decline=extend_schema(parameters=[NUMBER]),
    confirm=extend_schema(parameters=[NUMBER]),
    receipt=extend_schema(parameters=[NUMBER]),
    deliver=extend_schema(parameters=[NUMBER]),
    save_as_standing=extend_schema(parameters=[NUMBER]),
)
class BulkOrderViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Canteens' bulk orders, by Oscar order number, with their lines and where
    each line's kilograms were routed. Members of a canteen see its orders."""

    serializer_class = BulkOrderSerializer
    filterset_class = BulkOrderFilter
    permission_classes = [ReadOrRoleWriter]
    # Bodies nest lines, which forms cannot express: JSON only.
    parser_classes = [JSONParser]
    lookup_field = "order__number"
    lookup_url_kwarg = "number"
    writers = {
        "create": BUYERS,
        "cancel": BUYERS,
        "confirm": BUYERS,
        "receipt": BUYERS,
        "approve": APPROVERS,
        "decline": APPROVERS,
        "deliver": STAFF,
        "save_as_standing": BUYERS,
    }

    def get_queryset(self):
        orders = selectors.orders_visible(user=self.request.user)
        if self.request.method in SAFE_METHODS:
            orders = with_receipt(selectors.with_lines(orders))
        return orders.order_by("-pk")

    def _answer(self, order_id, code=status.HTTP_200_OK):
        """The order as the user now sees it, lines and allocations included."""
        orders = with_receipt(
            selectors.with_lines(selectors.orders_visible(user=self.request.user))
        )
        return Response(BulkOrderSerializer(orders.get(pk=order_id)).data, status=code)

    @extend_schema(
        request=BulkOrderCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: BulkOrderSerializer,
            200: OpenApiResponse(
                BulkOrderSerializer, description="A replay of an Idempotency-Key"
            ),
            409: OpenApiResponse(
                description="All-or-nothing order short of stock "
                "(code insufficient_stock); nothing was ordered"
            ),
            422: OpenApiResponse(description="Idempotency-Key used for another body"),
        },
    )
    def create(self, request):
        """Place a bulk order: checked, then routed to cooperatives' lots at once
        (or kept for an approver above the canteen's threshold)."""
        header = checked(
            IdempotencyKeySerializer,
            {"idempotency_key": request.headers.get("Idempotency-Key", "")},
        )
        data = checked(BulkOrderCreateSerializer, request.data, request=request)
        order_input = placing.OrderInput(
            organisation_id=data["organisation_id"],
            delivery_date=data["delivery_date"],
            lines=tuple(
                LineInput(line["sku"], line["quantity"]) for line in data["lines"]
            ),
            note=data["note"],
            all_or_nothing=data["all_or_nothing"],
        )
        with refused_order():
            placed = placing.place_bulk_order(
                user=request.user,
                data=order_input,
                idempotency_key=header.get("idempotency_key") or None,
            )
        if placed.replayed:
            response = self._answer(placed.bulk_order.pk)
            response[REPLAYED_HEADER] = "true"
            return response
        return self._answer(placed.bulk_order.pk, status.HTTP_201_CREATED)

    @_order_schema(OptionalReasonSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, number=None):
        """Cancel before anything has shipped; every reservation is released."""
        order = self.get_object()
        data = checked(OptionalReasonSerializer, request.data)
        buyer_side.cancel_order(
            order_id=order.pk, user=request.user, reason=data["reason"]
        )
        return self._answer(order.pk)

    @_order_schema()
    @action(detail=True, methods=["post"])
    def approve(self, request, number=None):
        """An approver's sign-off on an order above the threshold: routed now."""
        order = self.get_object()
        buyer_side.approve_order(order_id=order.pk, approver=request.user)
        return self._answer(order.pk)

    @_order_schema(ReasonSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, number=None):
        """An approver refuses an order: it is cancelled."""
        order = self.get_object()
        data = checked(ReasonSerializer, request.data)
        buyer_side.cancel_order(
            order_id=order.pk, user=request.user, reason=data["reason"], approver=True
        )
        return self._answer(order.pk)

    @_order_schema()
    @action(detail=True, methods=["post"])
    def confirm(self, request, number=None):
        """Confirm a standing order's draft: checked again, then placed."""
        order = self.get_object()
        with refused_order():
            buyer_side.confirm_draft(order_id=order.pk, user=request.user)
        return self._answer(order.pk)

    @_order_schema(ReceiptInputSerializer)
    @action(detail=True, methods=["post"])
    def receipt(self, request, number=None):
        """Confirm what arrived, with the weight of each line: the canteen owes
        for the received kg."""
        order = self.get_object()
        data = checked(ReceiptInputSerializer, request.data)
        delivery.confirm_receipt(
            order_id=order.pk,
            user=request.user,
            lines=[
                delivery.ReceivedLine(line["line"], line["received_kg"], line["note"])
                for line in data["lines"]
            ],
            note=data["note"],
        )
        return self._answer(order.pk)

    @_order_schema()
    @action(detail=True, methods=["post"])
    def deliver(self, request, number=None):
        """Staff: the distribution centre handed the order to the canteen."""
        order = self.get_object()
        delivery.mark_delivered(order_id=order.pk, actor=request.user)
        return self._answer(order.pk)

    @extend_schema(
        request=SaveAsStandingSerializer,
        responses={201: StandingOrderSerializer},
    )
    @action(detail=True, methods=["post"], url_path="save-as-standing")
    def save_as_standing(self, request, number=None):
        """Save the order as a weekly standing order: its lines, delivered on its
        delivery date's weekday, each week's order created ``days_ahead`` before."""
        order = self.get_object()
        data = checked(SaveAsStandingSerializer, request.data)
        with refused_order():
            saved = standing.standing_order_from_order(
                order_id=order.pk,
                user=request.user,
                name=data["name"],
                days_ahead=data["days_ahead"],
                mode=data["mode"],
            )
        return standing_answer(request, saved.pk, status.HTTP_201_CREATED)


def standing_answer(request, standing_id, code=status.HTTP_200_OK):
    """The standing order as the user now sees it, with its lines."""
    today = timezone.localdate()
    found = selectors.with_standing_lines(
        selectors.standing_orders_visible(user=request.user), today=today
    ).get(pk=standing_id)
    return Response(
        StandingOrderSerializer(found, context={"today": today}).data, status=code
    )


class StandingOrderViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Canteens' weekly standing orders: each creates the order of its weekday's
    delivery ``days_ahead`` before it, as a draft to confirm or placed at once.
    Members of a canteen see its standing orders; its buyers create and stop them."""

    serializer_class = StandingOrderSerializer
    permission_classes = [ReadOrRoleWriter]
    parser_classes = [JSONParser]
    writers = {"create": BUYERS, "deactivate": BUYERS}

    def get_queryset(self):
        return selectors.with_standing_lines(
            selectors.standing_orders_visible(user=self.request.user),
            today=timezone.localdate(),
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    @extend_schema(
        request=StandingOrderCreateSerializer,
        responses={201: StandingOrderSerializer},
    )
    def create(self, request):
        """Save a weekly template, checked like an order: the weekday must be one
        of the canteen's delivery days and every product on sale."""
        data = checked(StandingOrderCreateSerializer, request.data, request=request)
        with refused_order():
            saved = standing.save_standing_order(
                organisation_id=data["organisation_id"],
                user=request.user,
                name=data["name"],
                weekday=data["weekday"],
                days_ahead=data["days_ahead"],
                mode=data["mode"],
                lines=[
                    LineInput(line["sku"], line["quantity"]) for line in data["lines"]
                ],
            )
        return standing_answer(request, saved.pk, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: StandingOrderSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Stop the standing order: it creates no more orders (those already
        created stay). Stopping a stopped one changes nothing."""
        found = self.get_object()
        standing.deactivate_standing_order(
            standing_order_id=found.pk, user=request.user
        )
        return standing_answer(request, found.pk)


def _allocation_schema(request=None):
    return extend_schema(
        request=request, responses={200: AllocationSerializer, 409: CONFLICT}
    )


class AllocationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Kilograms of a cooperative's lots routed to canteens' order lines, for the
    cooperative to accept, reject or ship. Managers see their own only."""

    serializer_class = AllocationSerializer
    filterset_class = AllocationFilter
    permission_classes = [ReadOrRoleWriter]
    writers = {"accept": COOPERATIVES, "reject": COOPERATIVES, "ship": COOPERATIVES}

    def get_queryset(self):
        return selectors.allocations_visible(user=self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # The schema documents the staff fields (as optional).
        context["staff"] = is_staff(self.request.user) or getattr(
            self, "swagger_fake_view", False
        )
        return context

    def _answer(self, allocation_id):
        allocation = self.get_queryset().get(pk=allocation_id)
        return Response(self.get_serializer(allocation).data)

    @_allocation_schema()
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept the allocation: the cooperative will pack and ship it."""
        allocation = self.get_object()
        cooperative_side.accept_allocation(
            allocation_id=allocation.pk, actor=request.user
        )
        return self._answer(allocation.pk)

    @_allocation_schema(ReasonSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Refuse the cooperative's share of the line; it is routed elsewhere."""
        allocation = self.get_object()
        data = checked(ReasonSerializer, request.data)
        cooperative_side.reject_allocation(
            allocation_id=allocation.pk, reason=data["reason"], actor=request.user
        )
        return self._answer(allocation.pk)

    @_allocation_schema(ShipInputSerializer)
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None):
        """Record the kg that left for the distribution centre."""
        allocation = self.get_object()
        data = checked(ShipInputSerializer, request.data)
        cooperative_side.ship_allocation(
            allocation_id=allocation.pk, kg=data["kg"], actor=request.user
        )
        return self._answer(allocation.pk)


class AvailabilityViewSet(viewsets.GenericViewSet):
    """What could be ordered for a delivery date now, for the quick-order grid."""

    serializer_class = ProductAvailabilitySerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        parameters=[AvailabilityQuerySerializer],
        responses=ProductAvailabilitySerializer(many=True),
    )
    def list(self, request):
        """Units of each product (the given SKUs, or every public product) that
        could be routed for the delivery date: a snapshot, unknown SKUs left out.
        A product that an order for the date would refuse says why: not on sale,
        or not certified on that date (then with no units, as in the selector)."""
        query = checked(AvailabilityQuerySerializer, request.query_params)
        Product = apps.get_model("catalogue", "Product")
        products = (
            Product.objects.filter(is_public=True)
            .exclude(structure=Product.PARENT)
            .select_related("product_class", "parent__product_class")
            .prefetch_related("stockrecords")
            .order_by("title", "pk")
        )
        if query["sku"]:
            products = products.filter(upc__in={sku.strip() for sku in query["sku"]})
        products = list(products)
        counts = selectors.availability(
            product_ids=[product.pk for product in products],
            delivery_date=query["delivery_date"],
        )
        strategy = Selector().strategy(request=request)
        rows = []
        for product in products:
            price = strategy.fetch_for_product(product).price
            why_not = why_not_orderable(
                product=product, price=price, delivery_date=query["delivery_date"]
            )
            rows.append(
                {
                    "sku": product.upc,
                    "title": product.get_title(),
                    "unit_of_sale": product.unit_of_sale,
                    "unit_kg": product.net_weight_kg,
                    "price": price.excl_tax if price.exists else None,
                    "units_available": counts[product.pk]["units"],
                    "kg_available": counts[product.pk]["kg"],
                    "orderable": why_not is None,
                    "reason": why_not,
                }
            )
        return Response(ProductAvailabilitySerializer(rows, many=True).data)
