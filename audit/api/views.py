"""The audit log over the API: staff read it, nobody writes it."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from audit.api.serializers import AuditEntrySerializer, AuditQuerySerializer
from audit.selectors import AuditQuery, audit_entries

PAGING = {"cursor", "page_size"}


class AuditPagination(CursorPagination):
    """Newest first, ``next``/``previous`` links and no ``count``: counting a log
    of millions of rows scans it on every call, and an offset deep in it reads
    every row before; a cursor starts where the last page ended."""

    ordering = ("-at", "-pk")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        """A cursor this API did not give is bad input (400, on its field), not a
        missing page (DRF's 404)."""
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise serializers.ValidationError(
                {"cursor": [_("Not a cursor from this list: follow its links.")]}
            ) from None


class AuditEntryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Who changed what, when and from where: orders, allocations, lots, channels,
    cooperatives, households and money, newest first (staff only)."""

    serializer_class = AuditEntrySerializer
    permission_classes = [permissions.IsAdminUser]
    filter_backends = []  # the query string goes to the selector
    pagination_class = AuditPagination

    def get_queryset(self):
        return audit_entries(AuditQuery())

    @extend_schema(parameters=[AuditQuerySerializer])
    def list(self, request):
        """Entries newest first, narrowed by object, action, who and dates."""
        params = request.query_params.dict()
        unknown = sorted(set(params) - set(AuditQuerySerializer().fields) - PAGING)
        if unknown:
            raise serializers.ValidationError(
                {name: [_("Unknown parameter.")] for name in unknown}
            )
        query = AuditQuerySerializer(data=params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(audit_entries(query.query()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
