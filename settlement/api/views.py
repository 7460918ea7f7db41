"""Read-only API of settlement statements: ``statements_visible`` scopes them
(staff and officials all, managers their cooperative's; another's answers 404)."""

from rest_framework import viewsets

from settlement import selectors
from settlement.api.serializers import StatementDetailSerializer, StatementSerializer


class StatementViewSet(viewsets.ReadOnlyModelViewSet):
    def get_queryset(self):
        qs = selectors.statements_visible(user=self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related("lines")
        return qs

    def get_serializer_class(self):
        if self.action == "retrieve":
            return StatementDetailSerializer
        return StatementSerializer
