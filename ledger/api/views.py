"""API views of counter sales: what channel operators report they sold.

Thin adapters: a serializer checks the body's shape, ``ledger.counter_sale_upload``
reads a file into rows, ``record_counter_sales`` and ``withdraw_batch`` decide and
write, ``ledger.selectors`` reads. Every refusal of a batch answers 400 in one
shape, ``{"errors": [{line, field, message}]}``, with nothing recorded.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from ledger import selectors
from ledger.api.permissions import StaffWritesOfficialsRead
from ledger.api.serializers import (
    CounterSaleBatchDetailSerializer,
    CounterSaleBatchSerializer,
    CounterSaleErrorsSerializer,
    CounterSalesCreateSerializer,
    CounterSaleUploadSerializer,
    CounterSaleWithdrawSerializer,
)
from ledger.counter_sale_upload import MAX_BYTES, parse_counter_sales
from ledger.counter_sales import (
    CounterSaleInput,
    CounterSalesRejected,
    record_counter_sales,
    withdraw_batch,
)
from shop.api.schema import FieldErrorsOr
from suppliers.tabular import RowError

# A body that is not JSON (or not multipart) is refused before the view reads it,
# in DRF's shape (``detail``).
REFUSED = FieldErrorsOr(
    CounterSaleErrorsSerializer, description="Nothing recorded: every error by line"
)
FORBIDDEN = OpenApiResponse(description="Not staff")


def body_errors(errors: dict) -> list[RowError]:
    """A serializer's errors in the batch's error shape: the sales' at their place
    in ``sales`` (from 1), the rest at line 0."""
    found = []
    for name, detail in errors.items():
        items = _items(detail)
        if items is None:
            found += [RowError(0, name, m) for m in _texts(detail)]
            continue
        for index, item in items:
            if not isinstance(item, dict):
                # The item itself was refused (null, or not an object).
                found += [RowError(index + 1, name, m) for m in _texts(item)]
                continue
            for field, messages in item.items():
                found += [RowError(index + 1, field, m) for m in _texts(messages)]
    return found


def _items(detail) -> list[tuple[int, dict]] | None:
    """A list's errors by item (index, errors), or None for other errors. DRF
    gives them as a dict by index, or as a list with a dict per item."""
    if isinstance(detail, dict) and detail and all(isinstance(k, int) for k in detail):
        return sorted(detail.items())
    if isinstance(detail, list) and any(isinstance(d, dict) for d in detail):
        return list(enumerate(detail))
    return None


def _texts(detail) -> list[str]:
    if isinstance(detail, dict):
        return [text for inner in detail.values() for text in _texts(inner)]
    if isinstance(detail, list):
        return [text for inner in detail for text in _texts(inner)]
    return [str(detail)]


def refused(errors: list[RowError], rename: dict | None = None) -> Response:
    rename = rename or {}
    body = sorted(
        (
            {
                "line": e.line,
                "field": rename.get(e.field, e.field),
                "message": str(e.message),
            }
            for e in errors
        ),
        key=lambda e: (e["line"], e["field"]),
    )
    return Response({"errors": body}, status=status.HTTP_400_BAD_REQUEST)


class CounterSaleBatchViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Batches of counter sales reported by channel operators, each sale attributed
    to harvest lots (the lot given; else the cooperative's lots; else any lots of
    the product; oldest harvest first) and so to households. A batch is recorded
    whole or not at all, and a reference or file only once. Staff record and
    withdraw; staff and officials read."""

    serializer_class = CounterSaleBatchSerializer
    permission_classes = [StaffWritesOfficialsRead]
    filter_backends = []

    def get_queryset(self):
        return selectors.counter_sale_batches()

    def _answer(self, batch_id: int, code=status.HTTP_200_OK) -> Response:
        batch = selectors.counter_sale_batches().get(pk=batch_id)
        batch.sale_rows = selectors.with_lot_parts(
            selectors.counter_sales_of_batch(batch_id=batch_id)
        )
        return Response(CounterSaleBatchDetailSerializer(batch).data, status=code)

    @extend_schema(responses=CounterSaleBatchDetailSerializer)
    def retrieve(self, request, pk=None):
        """A batch with its sales and the lots each sale was attributed to."""
        return self._answer(self.get_object().pk)

    @extend_schema(
        request=CounterSalesCreateSerializer,
        responses={201: CounterSaleBatchDetailSerializer, 400: REFUSED, 403: FORBIDDEN},
    )
    def create(self, request):
        """Record a batch of sales sent as JSON: all of them or none."""
        body = CounterSalesCreateSerializer(data=request.data)
        if not body.is_valid():
            return refused(body_errors(body.errors))
        data = body.validated_data
        rows = [
            CounterSaleInput(
                line=place,
                sale_date=sale["date"],
                channel=sale["channel"],
                sku=sale["sku"],
                kg=sale["kg"],
                yuan=sale["yuan"],
                cooperative=sale["cooperative"],
                lot=sale["lot"],
            )
            for place, sale in enumerate(data["sales"], start=1)
        ]
        try:
            batch = record_counter_sales(
                rows=rows, reference=data["reference"], actor=request.user
            )
        except CounterSalesRejected as rejected:
            return refused(rejected.errors, rename={"file": "sales"})
        return self._answer(batch.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": CounterSaleUploadSerializer},
        responses={201: CounterSaleBatchDetailSerializer, 400: REFUSED, 403: FORBIDDEN},
    )
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[MultiPartParser],
        pagination_class=None,
    )
    def upload(self, request):
        """Record a batch from a CSV or XLSX file: every row or none; a file (by its
        content) and a reference are recorded once."""
        body = CounterSaleUploadSerializer(data=request.data)
        if not body.is_valid():
            return refused(body_errors(body.errors))
        upload = body.validated_data["file"]
        # One byte past the limit is enough for the parser to refuse the size.
        content = upload.read(MAX_BYTES + 1)
        try:
            rows = parse_counter_sales(content=content, filename=upload.name)
            batch = record_counter_sales(
                rows=rows,
                reference=body.validated_data["reference"],
                actor=request.user,
                content=content,
                filename=upload.name,
            )
        except CounterSalesRejected as rejected:
            return refused(rejected.errors)
        return self._answer(batch.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=CounterSaleWithdrawSerializer,
        responses={200: CounterSaleBatchDetailSerializer, 400: REFUSED, 403: FORBIDDEN},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take a batch back: every ledger entry it made is reversed, nothing is
        deleted. Withdrawing a withdrawn batch changes nothing."""
        batch = self.get_object()
        body = CounterSaleWithdrawSerializer(data=request.data)
        if not body.is_valid():
            return refused(body_errors(body.errors))
        try:
            withdraw_batch(
                batch_id=batch.pk,
                reason=body.validated_data["reason"],
                actor=request.user,
            )
        except CounterSalesRejected as rejected:
            return refused(rejected.errors)
        return self._answer(batch.pk)
