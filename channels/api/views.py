"""API views of the direct-supply channels.

Thin adapters: a serializer checks the body or the query string, a service in
``channels.services`` decides and writes, ``channels.selectors`` reads. What a
service refuses answers 400 field by field (``shop.api.errors``), nothing changed.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from channels import selectors, services
from channels.api.permissions import ReadOrStaffWriter
from channels.api.serializers import (
    ChannelCloseSerializer,
    ChannelQuerySerializer,
    ChannelSerializer,
    ChannelUpdateSerializer,
)


def checked(serializer_class, data):
    body = serializer_class(data=data)
    body.is_valid(raise_exception=True)
    return body.validated_data


class ChannelViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Where poverty-area produce is sold: supermarket counters, canteens, the
    distribution centre, the online store, live-stream shops, love-card outlets.
    Anyone signed in reads them; staff open, edit, close and reopen them."""

    serializer_class = ChannelSerializer
    permission_classes = [ReadOrStaffWriter]
    filter_backends = []  # the list's query string goes to the selector

    def get_queryset(self):
        return selectors.channels_list()

    def _answer(self, channel, code=status.HTTP_200_OK):
        return Response(ChannelSerializer(channel).data, status=code)

    @extend_schema(parameters=[ChannelQuerySerializer])
    def list(self, request):
        """Channels by code, narrowed by kind and by open or closed."""
        # A plain dict: from a QueryDict an absent boolean would read as false.
        query = checked(ChannelQuerySerializer, request.query_params.dict())
        page = self.paginate_queryset(selectors.channels_list(**query))
        return self.get_paginated_response(ChannelSerializer(page, many=True).data)

    @extend_schema(request=ChannelSerializer, responses={201: ChannelSerializer})
    def create(self, request):
        """Open a channel (staff)."""
        body = checked(ChannelSerializer, request.data)
        return self._answer(services.open_channel(**body), status.HTTP_201_CREATED)

    @extend_schema(request=ChannelUpdateSerializer, responses=ChannelSerializer)
    def partial_update(self, request, pk=None):
        """Change the name, operator, city or district (staff); code and kind stay."""
        channel = self.get_object()
        body = checked(ChannelUpdateSerializer, request.data)
        return self._answer(services.update_channel(channel_id=channel.pk, **body))

    @extend_schema(request=ChannelCloseSerializer, responses=ChannelSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the channel: no new sales in it after ``closed_on``."""
        channel = self.get_object()
        body = checked(ChannelCloseSerializer, request.data)
        return self._answer(services.close_channel(channel_id=channel.pk, **body))

    @extend_schema(request=None, responses=ChannelSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Reopen a closed channel; its closing date is cleared."""
        channel = self.get_object()
        return self._answer(services.reopen_channel(channel_id=channel.pk))
