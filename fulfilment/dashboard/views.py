"""Fulfilment dashboard pages: thin adapters over fulfilment's services and selectors.

Cooperative managers see their own allocations only: every allocation is looked up
in ``allocations_visible``, so another cooperative's answers 404, and no page shown
to a manager lists the other lines of a multi-cooperative order. Staff also get the
order pages, the delivery days and the routing explanation. Oscar checks dashboard
access (and staff-only pages) before these views run; see
``FulfilmentDashboardConfig``.

Each action is a POST that calls one service; what the service refuses comes back
as an error message with nothing changed.
"""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView, View

from fulfilment import cooperative_side, delivery, documents
from fulfilment.errors import NotAllowedNow
from fulfilment.models import (
    ACTIVE_ALLOCATIONS,
    Allocation,
    AllocationStatus,
    Disposition,
    OrderStatus,
    ReceiptLine,
)
from fulfilment.selectors import (
    allocations_visible,
    explain,
    orders_visible,
    with_lines,
)
from suppliers.access import is_staff
from suppliers.selectors import managed_cooperatives

from .forms import (
    AllocationFilterForm,
    DecideForm,
    DeliveryDateForm,
    RejectForm,
    ShipForm,
    error_messages,
)

PAGE_SIZE = 50
DAYS_BACK = 7


def _next_url(request, default: str) -> str:
    """Where a POST returns: its ``next`` field when it is one of our pages."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def bulk_order_url(number: str) -> str:
    return reverse("dashboard:fulfilment-order-detail", kwargs={"number": number})


def _refused(request, errors) -> None:
    for message in error_messages(errors):
        messages.error(request, message)


@dataclass(frozen=True)
class Explained:
    """An allocation with the routing's reasons, for staff."""

    allocation: Allocation
    explanation: str
    scores: tuple[tuple[str, str], ...]


def _scores(allocation: Allocation) -> tuple[tuple[str, str], ...]:
    rows = []
    for key, value in sorted((allocation.scores or {}).items()):
        if isinstance(value, dict):
            rows.extend((f"{key}.{k}", str(v)) for k, v in sorted(value.items()))
        else:
            rows.append((key, str(value)))
    return tuple(rows)


def _explained(allocation: Allocation) -> Explained:
    return Explained(allocation, explain(allocation), _scores(allocation))


# --- allocations -------------------------------------------------------------------


class AllocationListView(ListView):
    template_name = "fulfilment/dashboard/allocation_list.html"
    context_object_name = "allocations"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.form = AllocationFilterForm(self.request.GET or None)
        allocations = allocations_visible(user=self.request.user).order_by(
            "-delivery_date", "line__bulk_order__order__number", "pk"
        )
        self.delivery_date = None
        if self.form.is_valid():
            if status := self.form.cleaned_data["status"]:
                allocations = allocations.filter(status=status)
            if day := self.form.cleaned_data["delivery_date"]:
                allocations = allocations.filter(delivery_date=day)
                self.delivery_date = day
        return allocations

    def get_context_data(self, **kwargs):
        pick_lists = []
        if self.delivery_date is not None:
            pick_lists = (
                managed_cooperatives(user=self.request.user)
                .filter(
                    allocations__delivery_date=self.delivery_date,
                    allocations__status__in=ACTIVE_ALLOCATIONS,
                )
                .distinct()
                .order_by("partner__name")
            )
        return super().get_context_data(
            form=self.form,
            is_filtered=self.form.is_bound,
            delivery_date=self.delivery_date,
            pick_lists=pick_lists,
            **kwargs,
        )


class AllocationDetailView(TemplateView):
    """One allocation: the cooperative's share of one line, and its answers.

    Managers see only this line's allocations at their own cooperative (rejecting
    gives all of them back); staff also see the line, the routing's explanation and
    the scores behind it.
    """

    template_name = "fulfilment/dashboard/allocation_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        visible = allocations_visible(user=user)
        allocation = get_object_or_404(visible, pk=kwargs["pk"])
        share = visible.filter(
            line_id=allocation.line_id, cooperative_id=allocation.cooperative_id
        ).order_by("pk")
        staff = is_staff(user)
        return super().get_context_data(
            allocation=allocation,
            share=share,
            line=allocation.line,
            bulk_order=allocation.line.bulk_order,
            is_staff=staff,
            explained=_explained(allocation) if staff else None,
            events=allocation.events.select_related("actor"),
            can_accept=allocation.status == AllocationStatus.PENDING,
            can_reject=allocation.status
            in (AllocationStatus.PENDING, AllocationStatus.ACCEPTED),
            can_ship=allocation.status == AllocationStatus.ACCEPTED,
            answer_late=allocation.respond_by < timezone.now(),
            reject_form=RejectForm(),
            ship_form=ShipForm(initial={"kg": allocation.kg}),
            **kwargs,
        )


class AllocationActionView(View):
    """POST-only base of accept, reject and ship."""

    http_method_names = ["post"]
    form_class = None

    def post(self, request, *args, **kwargs):
        allocation = get_object_or_404(
            allocations_visible(user=request.user), pk=kwargs["pk"]
        )
        form = self.form_class(request.POST) if self.form_class else None
        if form is not None and not form.is_valid():
            _refused(request, form.errors)
        else:
            data = form.cleaned_data if form is not None else {}
            try:
                message = self.act(allocation, data)
            except ValidationError as exc:
                _refused(request, exc)
            except NotAllowedNow as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, message)
        return redirect("dashboard:fulfilment-allocation-detail", pk=allocation.pk)


class AllocationAcceptView(AllocationActionView):
    def act(self, allocation, data) -> str:
        cooperative_side.accept_allocation(
            allocation_id=allocation.pk, actor=self.request.user
        )
        return _("Accepted: %(kg)s kg of lot %(lot)s for order %(number)s.") % {
            "kg": allocation.kg,
            "lot": allocation.lot.code,
            "number": allocation.line.bulk_order.order.number,
        }


class AllocationRejectView(AllocationActionView):
    form_class = RejectForm

    def act(self, allocation, data) -> str:
        share = cooperative_side.reject_allocation(
            allocation_id=allocation.pk,
            reason=data["reason"],
            actor=self.request.user,
        )
        return _("Rejected: %(kg)s kg go back to routing.") % {
            "kg": sum(a.kg for a in share)
        }


class AllocationShipView(AllocationActionView):
    form_class = ShipForm

    def act(self, allocation, data) -> str:
        shipped = cooperative_side.ship_allocation(
            allocation_id=allocation.pk, kg=data["kg"], actor=self.request.user
        )
        return _("Shipped: %(kg)s kg of lot %(lot)s.") % {
            "kg": shipped.shipped_kg,
            "lot": allocation.lot.code,
        }


# --- orders (staff) -------------------------------------------------------------------


@dataclass(frozen=True)
class OrderLineRow:
    line: object
    allocations: tuple[Explained, ...]
    receipt_line: ReceiptLine | None


class OrderDetailView(TemplateView):
    """A bulk order for staff: every line, where routing sent it and why."""

    template_name = "fulfilment/dashboard/order_detail.html"

    def get_context_data(self, **kwargs):
        orders = with_lines(orders_visible(user=self.request.user)).prefetch_related(
            Prefetch(
                "receipt__lines", ReceiptLine.objects.select_related("decided_by")
            ),
            "order__status_changes",
        )
        bulk_order = get_object_or_404(orders, order__number=kwargs["number"])
        receipt = getattr(bulk_order, "receipt", None)
        receipt_lines = {r.line_id: r for r in receipt.lines.all()} if receipt else {}
        rows = [
            OrderLineRow(
                line=line,
                allocations=tuple(_explained(a) for a in line.allocations.all()),
                receipt_line=receipt_lines.get(line.pk),
            )
            for line in bulk_order.bulk_lines.all()
        ]
        return super().get_context_data(
            bulk_order=bulk_order,
            order=bulk_order.order,
            status_label=documents.status_label(bulk_order.order.status),
            rows=rows,
            receipt=receipt,
            status_changes=bulk_order.order.status_changes.all(),
            can_deliver=bulk_order.order.status == OrderStatus.SHIPPED,
            **kwargs,
        )


class OrderDeliverView(View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        bulk_order = get_object_or_404(
            orders_visible(user=request.user), order__number=kwargs["number"]
        )
        try:
            delivery.mark_delivered(order_id=bulk_order.pk, actor=request.user)
        except NotAllowedNow as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Order %(number)s delivered to %(canteen)s.")
                % {
                    "number": bulk_order.order.number,
                    "canteen": bulk_order.organisation.name,
                },
            )
        return redirect(
            _next_url(request, default=bulk_order_url(bulk_order.order.number))
        )


class ReceiptLineDecideView(View):
    """Staff decide what becomes of kg shipped but not received."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        receipt_line = get_object_or_404(
            ReceiptLine.objects.select_related("receipt__bulk_order__order"),
            pk=kwargs["pk"],
        )
        number = receipt_line.receipt.bulk_order.order.number
        form = DecideForm(request.POST)
        if not form.is_valid():
            _refused(request, form.errors)
        else:
            try:
                decided = delivery.decide_missing(
                    receipt_line_id=receipt_line.pk,
                    disposition=form.cleaned_data["disposition"],
                    actor=request.user,
                )
            except ValidationError as exc:
                _refused(request, exc)
            except NotAllowedNow as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("%(kg)s kg missing on order %(number)s: %(what)s.")
                    % {
                        "kg": decided.missing_kg,
                        "number": number,
                        "what": Disposition(decided.disposition).label,
                    },
                )
        return redirect(_next_url(request, default=bulk_order_url(number)))


# --- delivery days (staff) ------------------------------------------------------------


class DeliveryListView(TemplateView):
    """Delivery dates from a week ago on, and older ones with decisions pending."""

    template_name = "fulfilment/dashboard/delivery_list.html"

    def get(self, request, *args, **kwargs):
        form = DeliveryDateForm(request.GET or None)
        if form.is_valid():
            return redirect(
                "dashboard:fulfilment-delivery-day", day=form.cleaned_data["date"]
            )
        since = timezone.localdate() - datetime.timedelta(days=DAYS_BACK)
        return self.render_to_response(
            self.get_context_data(form=form, days=documents.delivery_days(since=since))
        )


class DeliveryDayView(TemplateView):
    """One delivery date: orders to mark delivered, missing kg to decide, and the
    documents to print."""

    template_name = "fulfilment/dashboard/delivery_day.html"

    def get_context_data(self, **kwargs):
        day = kwargs["day"]
        overview = documents.delivery_day(delivery_date=day)
        canteens = {
            o.bulk_order.organisation_id: o.bulk_order.organisation
            for o in overview.orders
        }
        return super().get_context_data(
            overview=overview,
            canteens=list(canteens.values()),
            decide_form=DecideForm(),
            **kwargs,
        )
