"""API views of harvest lots: receive, adjust, write off, import.

Every change goes through ``suppliers.stock`` (or ``suppliers.imports``), which lock,
write the movement and re-derive the Oscar stock record; these views only check the
body and look the lot up among those the user may change (others answer 404).
"""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from shop.api.schema import FieldErrorsOr
from suppliers import imports, selectors, stock
from suppliers.api.filters import LotFilter
from suppliers.api.lot_serializers import (
    LotAdjustSerializer,
    LotCreateSerializer,
    LotImportErrorsSerializer,
    LotImportResultSerializer,
    LotImportSerializer,
    LotSerializer,
    LotWriteOffSerializer,
)
from suppliers.api.views import ReadViewSet, is_read
from suppliers.models import LotShare


def with_shares(lots):
    shares = LotShare.objects.select_related("household")
    return lots.prefetch_related(Prefetch("shares", shares))


class LotViewSet(ReadViewSet):
    """Harvest lots with their stock (received, on hand, reserved, available) and
    the households whose harvest they are."""

    serializer_class = LotSerializer
    filterset_class = LotFilter

    def get_queryset(self):
        user = self.request.user
        if is_read(self.request):
            return with_shares(selectors.lots_visible(user=user))
        return selectors.lots_changeable(user=user)

    def _answer(self, lot_ids):
        """The lots as the user now sees them, shares included."""
        lots = with_shares(selectors.lots_visible(user=self.request.user))
        return LotSerializer(lots.filter(pk__in=lot_ids), many=True).data

    def _answer_one(self, lot_id, code=status.HTTP_200_OK):
        return Response(self._answer([lot_id])[0], status=code)

    @extend_schema(request=LotCreateSerializer, responses={201: LotSerializer})
    def create(self, request):
        body = LotCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        lot = stock.receive_lot(
            cooperative=data["cooperative"],
            product=data["product"],
            code=data["code"],
            harvest_date=data["harvest_date"],
            best_before=data["best_before"],
            kg=data["kg"],
            shares=[stock.ShareInput(s["household"], s["kg"]) for s in data["shares"]],
            unit_price=data.get("unit_price"),
            actor=request.user,
        )
        return self._answer_one(lot.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=LotAdjustSerializer,
        responses={200: LotSerializer, 409: OpenApiResponse(description="Reserved")},
    )
    @action(detail=True, methods=["post"])
    def adjust(self, request, pk=None):
        """Correct the kg on hand after a count (never below what is reserved)."""
        lot = self.get_object()
        body = LotAdjustSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        stock.adjust_lot(
            lot_id=lot.pk,
            delta_kg=body.validated_data["kg"],
            reason=body.validated_data["reason"],
            actor=request.user,
        )
        return self._answer_one(lot.pk)

    @extend_schema(
        request=LotWriteOffSerializer,
        responses={200: LotSerializer, 409: OpenApiResponse(description="Reserved")},
    )
    @action(detail=True, methods=["post"], url_path="write-off")
    def write_off(self, request, pk=None):
        """Write off spoilt or lost kg; all unreserved kg when ``kg`` is omitted."""
        lot = self.get_object()
        body = LotWriteOffSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        stock.write_off_lot(
            lot_id=lot.pk,
            kg=body.validated_data.get("kg"),
            reason=body.validated_data["reason"],
            actor=request.user,
        )
        return self._answer_one(lot.pk)

    @extend_schema(
        request={"multipart/form-data": LotImportSerializer},
        responses={
            201: LotImportResultSerializer,
            # The file's rows by line; the request's fields (no file, an unknown
            # cooperative) are refused first, field by field.
            400: FieldErrorsOr(LotImportErrorsSerializer),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser],
        filterset_class=None,
        pagination_class=None,
    )
    def import_file(self, request):
        """Import lots with household shares from CSV or XLSX: all rows or none."""
        body = LotImportSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        # One byte past the limit is enough for the importer to refuse the size.
        content = upload.read(imports.MAX_BYTES + 1)
        try:
            lots = imports.import_lots(
                cooperative=body.validated_data["cooperative"],
                content=content,
                filename=upload.name,
                actor=request.user,
            )
        except imports.ImportRejected as rejected:
            errors = [
                {"line": e.line, "field": e.field, "message": str(e.message)}
                for e in rejected.errors
            ]
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"created": len(lots), "lots": self._answer([lot.pk for lot in lots])},
            status=status.HTTP_201_CREATED,
        )
