"""The canteen-account API: accounts with their credit, invoices (and their
PDFs), bank payments, and monthly statements as JSON, PDF or XLSX.

Thin adapters: serializers check the query string or the body,
``billing.services`` decides and writes, ``billing.selectors`` and
``billing.queries`` read. Staff see every account; a canteen's buyers and
approvers their canteen's (another's answers 404); only staff record payments
(403 for anyone else). A service's refusal answers 400 on its field.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from billing import queries, selectors, services
from billing.api.permissions import StaffRecordsPayments
from billing.api.renderers import PDFRenderer, XLSXRenderer
from billing.api.serializers import (
    AccountStatementSerializer,
    BankPaymentCreateSerializer,
    BankPaymentQuerySerializer,
    BankPaymentSerializer,
    CanteenAccountSerializer,
    InvoiceDetailSerializer,
    InvoiceQuerySerializer,
    InvoiceSerializer,
    StatementQuerySerializer,
)
from billing.errors import BillingError
from billing.models import BankPayment
from billing.statements import monthly_statement
from billing.web import files

FILE = OpenApiTypes.BINARY


def checked(serializer_class, data, **kwargs):
    body = serializer_class(data=data, **kwargs)
    body.is_valid(raise_exception=True)
    return body.validated_data


def refusal(error: BillingError) -> exceptions.APIException:
    """A service's refusal: 403 when the user may not, else 400 on its field."""
    if error.code == "forbidden":
        return exceptions.PermissionDenied(error.message)
    return exceptions.ValidationError(
        {error.field or "non_field_errors": [error.message]}
    )


class Negotiation(DefaultContentNegotiation):
    """An unknown ``?format=`` is a 400 naming the parameter, not DRF's 404."""

    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = format_suffix or request.query_params.get("format")
        if wanted and wanted not in {r.format for r in renderers}:
            raise serializers.ValidationError(
                {"format": [_("Choose json, pdf or xlsx.")]}
            )
        return super().select_renderer(request, renderers, format_suffix)


class JSONErrorsMixin:
    """Errors are JSON whatever file was asked for."""

    def handle_exception(self, exc):
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


class CanteenAccountViewSet(JSONErrorsMixin, viewsets.ReadOnlyModelViewSet):
    """Canteens that buy on account: the credit limit, what is owed, orders not
    yet invoiced, what is available and what is overdue."""

    serializer_class = CanteenAccountSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.accounts_visible(user=self.request.user).order_by(
            "organisation__name", "pk"
        )

    def _with_figures(self, accounts):
        accounts = list(accounts)
        by_id = queries.figures(accounts=accounts)
        for account in accounts:
            account.figures = by_id[account.pk]
        return accounts

    def list(self, request):
        page = self._with_figures(self.paginate_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        [account] = self._with_figures([self.get_object()])
        return Response(self.get_serializer(account).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "month",
                OpenApiTypes.STR,
                required=True,
                pattern=r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$",
                description="YYYY-MM: not in the future, not before the account "
                "was opened",
            ),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "pdf", "xlsx"]),
        ],
        responses={
            (200, "application/json"): AccountStatementSerializer,
            (200, PDFRenderer.media_type): FILE,
            (200, XLSXRenderer.media_type): FILE,
            400: OpenApiResponse(description="A bad or unknown parameter, by name"),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[JSONRenderer, PDFRenderer, XLSXRenderer],
        content_negotiation_class=Negotiation,
    )
    def statement(self, request, pk=None):
        """The account's statement for a month: the balance brought forward, the
        month's invoices, payments and credit notes, and the balance carried."""
        account = self.get_object()
        query = checked(StatementQuerySerializer, request.query_params.dict())
        year, month = query["month"]
        file_format = request.accepted_renderer.format
        try:
            if file_format in ("pdf", "xlsx"):
                return files.statement_file(
                    account=account, year=year, month=month, file_format=file_format
                )
            statement = monthly_statement(account=account, year=year, month=month)
        except BillingError as error:
            raise refusal(error) from None
        return Response(AccountStatementSerializer(statement).data)


class InvoiceViewSet(JSONErrorsMixin, viewsets.ReadOnlyModelViewSet):
    """Invoices of orders on account, for the kg received; ``?account=`` and
    ``?overdue=true|false`` narrow the list."""

    filter_backends = []

    def get_queryset(self):
        invoices = selectors.invoices_visible(user=self.request.user).order_by(
            "-issued_on", "-pk"
        )
        if self.action == "retrieve":
            invoices = invoices.prefetch_related("lines")
        return invoices

    def get_serializer_class(self):
        if self.action == "retrieve":
            return InvoiceDetailSerializer
        return InvoiceSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    @extend_schema(parameters=[InvoiceQuerySerializer])
    def list(self, request):
        query = checked(InvoiceQuerySerializer, request.query_params.dict())
        invoices = self.get_queryset()
        if query.get("account") is not None:
            invoices = invoices.filter(account_id=query["account"])
        if query.get("overdue") is not None:
            overdue = selectors.overdue(invoices)
            invoices = (
                overdue
                if query["overdue"]
                else invoices.exclude(pk__in=overdue.values("pk"))
            )
        page = self.paginate_queryset(invoices)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={(200, PDFRenderer.media_type): FILE})
    @action(detail=True, methods=["get"], renderer_classes=[PDFRenderer, JSONRenderer])
    def pdf(self, request, pk=None):
        """The invoice as a PDF."""
        return files.invoice_file(self.get_object())


class BankPaymentViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Bank transfers from canteens, each with the invoices it settled. Staff
    record them; a canteen's members read their canteen's."""

    serializer_class = BankPaymentSerializer
    permission_classes = [StaffRecordsPayments]
    filter_backends = []

    def get_queryset(self):
        accounts = selectors.accounts_visible(user=self.request.user)
        return (
            BankPayment.objects.filter(account__in=accounts.values("pk"))
            .select_related("recorded_by")
            .prefetch_related("matches__invoice")
            .order_by("-received_on", "-pk")
        )

    @extend_schema(parameters=[BankPaymentQuerySerializer])
    def list(self, request):
        query = checked(BankPaymentQuerySerializer, request.query_params.dict())
        payments = self.get_queryset()
        if query.get("account") is not None:
            payments = payments.filter(account_id=query["account"])
        page = self.paginate_queryset(payments)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=BankPaymentCreateSerializer,
        responses={201: BankPaymentSerializer, 400: OpenApiResponse(), 403: None},
    )
    def create(self, request):
        """Record a bank transfer (staff): it settles the named invoice first,
        then the oldest due; what is left stays as the canteen's credit."""
        body = checked(
            BankPaymentCreateSerializer,
            request.data,
            context=self.get_serializer_context(),
        )
        try:
            payment = services.record_bank_payment(
                account_id=body["account"].pk,
                reference=body["reference"],
                amount=body["amount"],
                received_on=body["received_on"],
                invoice_id=body.get("invoice"),
                note=body["note"],
                actor=request.user,
            )
        except BillingError as error:
            raise refusal(error) from None
        payment = self.get_queryset().get(pk=payment.pk)
        return Response(
            self.get_serializer(payment).data, status=status.HTTP_201_CREATED
        )
