"""The canteen buyer's pages in the store: thin adapters over fulfilment's services.

Orders and standing orders are looked up only in the scoped selectors
(``orders_visible``, ``standing_orders_visible``), so another canteen's answers 404
(a 403 would confirm it exists). Pages for placing orders need the buyer
role (403 otherwise); the order pages any role at the order's canteen; each action
is then allowed or refused by its service.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from canteens.models import Organisation, Role
from canteens.selectors import (
    is_approver,
    is_buyer,
    organisation_ids,
    organisations_for,
)
from fulfilment import buyer_side, delivery, standing
from fulfilment.errors import IdempotencyConflict, InsufficientStock
from fulfilment.models import BulkOrder, OrderStatus, StandingOrder
from fulfilment.placing import place_bulk_order
from fulfilment.selectors import (
    orders_visible,
    standing_orders_visible,
    with_lines,
    with_standing_lines,
)
from fulfilment.uploads import COLUMNS, MAX_ROWS, UploadRejected, parse_order_file
from fulfilment.validation import OrderInvalid
from suppliers.access import is_staff
from suppliers.errors import StockConflict

from . import presenters
from .forms import (
    PICKER_ID,
    OrderForm,
    ReceiptForm,
    ReceiptFormSet,
    StandingFromOrderForm,
    UploadForm,
    line_formset,
    show_field_errors,
    show_line_errors,
    show_receipt_errors,
    show_short_lines,
    show_standing_errors,
)

PAGE_SIZE = 20
MAX_AVAILABILITY_SKUS = 100


class BuyerMixin(LoginRequiredMixin):
    """Pages that place orders: only for buyers of an active canteen."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.organisations = organisations_for(user=request.user, role=Role.BUYER)
        if not self.organisations.exists():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _place(request, form, lines, rows=None):
    """Place the order: ``Placed``, or None with the reason on the form (and on the
    grid's ``rows`` that were short, for an all-or-nothing order).

    ``OrderInvalid`` is left to the caller, which knows where each line came from.
    """
    try:
        placed = place_bulk_order(
            user=request.user,
            data=form.order_input(lines),
            idempotency_key=form.idempotency_key,
        )
    except IdempotencyConflict:
        # The page placed an order, then was edited (the browser's Back button)
        # and sent again: say so, and let a deliberate second order through.
        form.add_error(
            None,
            _(
                "This page has already placed an order (see My orders). "
                "To place another order with these lines, submit it again."
            ),
        )
        form.renew_token()
        return None
    except StockConflict as exc:
        form.add_error(None, exc.message)
        if isinstance(exc, InsufficientStock) and rows is not None:
            show_short_lines(exc.short, rows)
        return None
    if placed.replayed:
        messages.info(request, _("This order had already been placed."))
    else:
        messages.success(
            request,
            _("Order %(number)s placed: %(status)s.")
            % {
                "number": placed.bulk_order.order.number,
                "status": presenters.status_label(placed.bulk_order.order.status),
            },
        )
    return placed


def _order_page(placed):
    return redirect("canteen:order-detail", number=placed.bulk_order.order.number)


class QuickOrderView(BuyerMixin, TemplateView):
    """A grid of SKU and quantity rows, with live availability for the date."""

    template_name = "fulfilment/quick_order.html"
    extra_context = {"active_tab": "quick"}

    def get(self, request, *args, **kwargs):
        return self.render(OrderForm(organisations=self.organisations), line_formset())

    def post(self, request, *args, **kwargs):
        form = OrderForm(request.POST, organisations=self.organisations)
        formset = line_formset(request.POST)
        if form.is_valid() and formset.is_valid():
            rows = formset.filled()
            try:
                placed = _place(request, form, [line for _row, line in rows], rows)
            except OrderInvalid as exc:
                show_field_errors(exc, form)
                show_line_errors(exc, [row for row, _line in rows])
            else:
                if placed is not None:
                    return _order_page(placed)
        return self.render(form, formset)

    def render(self, form, formset):
        return self.render_to_response(
            self.get_context_data(
                form=form,
                formset=formset,
                picker_id=PICKER_ID,
                products=presenters.picker_products(),
            )
        )


class UploadOrderView(BuyerMixin, TemplateView):
    """An order from a CSV or XLSX file: every row good, or nothing placed."""

    template_name = "fulfilment/upload.html"
    extra_context = {"active_tab": "upload"}

    def get(self, request, *args, **kwargs):
        return self.render(UploadForm(organisations=self.organisations))

    def post(self, request, *args, **kwargs):
        form = UploadForm(request.POST, request.FILES, organisations=self.organisations)
        if not form.is_valid():
            return self.render(form)
        upload = form.cleaned_data["file"]
        try:
            parsed = parse_order_file(content=upload.read(), filename=upload.name)
        except UploadRejected as exc:
            return self.render(form, upload_errors=exc.errors)
        try:
            placed = _place(request, form, parsed.lines)
        except OrderInvalid as exc:
            show_field_errors(exc, form, skip=("lines",))
            return self.render(form, upload_errors=parsed.row_errors(exc))
        if placed is None:
            return self.render(form)
        return _order_page(placed)

    def render(self, form, upload_errors=()):
        return self.render_to_response(
            self.get_context_data(
                form=form,
                upload_errors=upload_errors,
                columns=COLUMNS,
                max_rows=MAX_ROWS,
            )
        )


def upload_template(request):
    """A CSV to fill in: the header and one example row. UTF-8 with a BOM, so
    Excel keeps any Chinese the buyer adds as UTF-8 when saving."""
    response = HttpResponse(
        "\ufeffsku,quantity\r\nQY00001,10\r\n", content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="order-template.csv"'
    return response


class AvailabilityView(BuyerMixin, View):
    """JSON: for a delivery date and SKUs, each product's title, unit, price and
    the units that could be routed now (``?delivery_date=YYYY-MM-DD&sku=..``)."""

    def get(self, request, *args, **kwargs):
        try:
            day = datetime.date.fromisoformat(request.GET.get("delivery_date", ""))
        except ValueError:
            return JsonResponse(
                {"errors": {"delivery_date": [_("Enter a date as YYYY-MM-DD.")]}},
                status=400,
            )
        skus = request.GET.getlist("sku")
        if len(skus) > MAX_AVAILABILITY_SKUS:
            return JsonResponse(
                {
                    "errors": {
                        "sku": [
                            _("At most %(n)s SKUs at a time.")
                            % {"n": MAX_AVAILABILITY_SKUS}
                        ]
                    }
                },
                status=400,
            )
        return JsonResponse(
            {
                "delivery_date": day.isoformat(),
                "products": presenters.availability_by_sku(
                    skus=skus, delivery_date=day
                ),
            }
        )


# --- orders -------------------------------------------------------------------------


class MemberMixin(LoginRequiredMixin):
    """Order pages: members of a canteen (any role) and staff."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not organisation_ids(user=request.user) and not is_staff(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_order(self, *, lines=False) -> BulkOrder:
        orders = orders_visible(user=self.request.user)
        if lines:
            orders = with_lines(orders)
        return get_object_or_404(orders, order__number=self.kwargs["number"])


class OrderListView(MemberMixin, ListView):
    template_name = "fulfilment/order_list.html"
    extra_context = {"active_tab": "orders"}
    context_object_name = "bulk_orders"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return orders_visible(user=self.request.user).order_by(
            "-order__date_placed", "-pk"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_buyer"] = bool(
            organisation_ids(user=self.request.user, role=Role.BUYER)
        )
        return context


class OrderDetailView(MemberMixin, TemplateView):
    template_name = "fulfilment/order_detail.html"
    extra_context = {"active_tab": "orders"}

    def get_context_data(self, **kwargs):
        bulk_order = self.get_order(lines=True)
        user, organisation_id = self.request.user, bulk_order.organisation_id
        rows = presenters.line_rows(bulk_order)
        buyer = is_buyer(user=user, organisation_id=organisation_id)
        if buyer:
            kwargs.setdefault(
                "standing_form",
                StandingFromOrderForm(organisation=bulk_order.organisation),
            )
        return super().get_context_data(
            bulk_order=bulk_order,
            order=bulk_order.order,
            status_label=presenters.status_label(bulk_order.order.status),
            rows=rows,
            actions=presenters.actions(
                bulk_order=bulk_order,
                rows=rows,
                buyer=buyer,
                approver=is_approver(user=user, organisation_id=organisation_id),
            ),
            has_receipt=any(row.receipt for row in rows),
            flagged=[row for row in rows if row.receipt and row.receipt.flagged],
            **kwargs,
        )


class SaveAsStandingView(OrderDetailView):
    """The order page's "Save as a weekly order" form: on success, to the weekly
    orders; refused, the order page again with the errors on the form."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        bulk_order = self.get_order()
        if not is_buyer(user=request.user, organisation_id=bulk_order.organisation_id):
            raise PermissionDenied
        form = StandingFromOrderForm(request.POST, organisation=bulk_order.organisation)
        if form.is_valid():
            try:
                saved = standing.standing_order_from_order(
                    order_id=bulk_order.pk,
                    user=request.user,
                    name=form.cleaned_data["name"],
                    days_ahead=form.cleaned_data["days_ahead"],
                    mode=form.cleaned_data["mode"],
                )
            except (BulkOrder.DoesNotExist, Organisation.DoesNotExist):
                # The service refused the user's role at this canteen.
                raise PermissionDenied from None
            except OrderInvalid as exc:
                show_standing_errors(exc, form)
            else:
                messages.success(
                    request,
                    _("Weekly order “%(name)s” saved: every %(day)s.")
                    % {
                        "name": saved.name,
                        "day": presenters.weekday_label(saved.weekday),
                    },
                )
                return redirect("canteen:standing-list")
        return self.render_to_response(self.get_context_data(standing_form=form))


class OrderActionView(MemberMixin, View):
    """POST a button of the order page to its service; back to the order page."""

    http_method_names = ["post"]
    done_message = ""

    def act(self, bulk_order: BulkOrder):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        bulk_order = self.get_order()
        try:
            self.act(bulk_order)
        except BulkOrder.DoesNotExist:
            # The service refused the user's role at this canteen.
            raise PermissionDenied from None
        except StockConflict as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, self.done_message)
        return redirect("canteen:order-detail", number=bulk_order.order.number)


class CancelOrderView(OrderActionView):
    def act(self, bulk_order):
        self.done_message = _("The order was cancelled.")
        buyer_side.cancel_order(
            order_id=bulk_order.pk,
            user=self.request.user,
            reason=self.request.POST.get("reason", "")[:255],
        )


class DeclineOrderView(OrderActionView):
    def act(self, bulk_order):
        self.done_message = _("The order was declined and cancelled.")
        buyer_side.cancel_order(
            order_id=bulk_order.pk,
            user=self.request.user,
            reason=self.request.POST.get("reason", "")[:255] or _("declined"),
            approver=True,
        )


class ApproveOrderView(OrderActionView):
    def act(self, bulk_order):
        self.done_message = _("The order was approved and placed.")
        buyer_side.approve_order(order_id=bulk_order.pk, approver=self.request.user)


class ConfirmDraftView(OrderActionView):
    def act(self, bulk_order):
        self.done_message = _("The draft was confirmed.")
        buyer_side.confirm_draft(order_id=bulk_order.pk, user=self.request.user)


class ReceiptView(MemberMixin, TemplateView):
    """The canteen confirms what arrived: actual kg per delivered line."""

    template_name = "fulfilment/receipt.html"
    extra_context = {"active_tab": "orders"}

    def setup_order(self):
        self.bulk_order = self.get_order(lines=True)
        if not is_buyer(
            user=self.request.user, organisation_id=self.bulk_order.organisation_id
        ):
            raise PermissionDenied
        self.rows = presenters.delivered_rows(presenters.line_rows(self.bulk_order))

    def not_receivable(self):
        messages.info(
            self.request,
            _("Only a delivered order can be received (this one is %(status)s).")
            % {"status": presenters.status_label(self.bulk_order.order.status)},
        )
        return redirect("canteen:order-detail", number=self.bulk_order.order.number)

    def get(self, request, *args, **kwargs):
        self.setup_order()
        if self.bulk_order.order.status != OrderStatus.DELIVERED:
            return self.not_receivable()
        return self.render(ReceiptForm(), ReceiptFormSet(lines=self.rows))

    def post(self, request, *args, **kwargs):
        self.setup_order()
        if self.bulk_order.order.status != OrderStatus.DELIVERED:
            return self.not_receivable()
        form = ReceiptForm(request.POST)
        formset = ReceiptFormSet(request.POST, lines=self.rows)
        if form.is_valid() and formset.is_valid():
            try:
                delivery.confirm_receipt(
                    order_id=self.bulk_order.pk,
                    user=request.user,
                    lines=formset.received(),
                    note=form.cleaned_data["note"],
                )
            except BulkOrder.DoesNotExist:
                raise PermissionDenied from None
            except StockConflict as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                show_receipt_errors(exc, form, formset)
            else:
                messages.success(request, _("Receipt confirmed."))
                return redirect(
                    "canteen:order-detail", number=self.bulk_order.order.number
                )
        return self.render(form, formset)

    def render(self, form, formset):
        return self.render_to_response(
            self.get_context_data(
                bulk_order=self.bulk_order,
                order=self.bulk_order.order,
                form=form,
                formset=formset,
                rows=list(zip(self.rows, formset.forms, strict=True)),
                tolerance=Decimal(settings.NONGJIA_RECEIPT_TOLERANCE) * 100,
            )
        )


# --- standing orders ----------------------------------------------------------------


class StandingOrderListView(MemberMixin, ListView):
    """The canteen's weekly orders, with the next delivery each will order."""

    template_name = "fulfilment/standing_list.html"
    extra_context = {"active_tab": "standing"}
    context_object_name = "standing_orders"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.today = timezone.localdate()
        return with_standing_lines(
            standing_orders_visible(user=self.request.user), today=self.today
        ).order_by("-is_active", "organisation__name", "weekday", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = presenters.standing_rows(
            context["standing_orders"], user=self.request.user, today=self.today
        )
        context["is_buyer"] = bool(
            organisation_ids(user=self.request.user, role=Role.BUYER)
        )
        return context


class StopStandingOrderView(MemberMixin, View):
    """The weekly orders page's Stop button."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        found = get_object_or_404(
            standing_orders_visible(user=request.user), pk=self.kwargs["pk"]
        )
        try:
            standing.deactivate_standing_order(
                standing_order_id=found.pk, user=request.user
            )
        except StandingOrder.DoesNotExist:
            # The service refused the user's role at this canteen.
            raise PermissionDenied from None
        messages.success(
            request,
            _("Weekly order “%(name)s” stopped: it will create no more orders.")
            % {"name": found.name},
        )
        return redirect("canteen:standing-list")
