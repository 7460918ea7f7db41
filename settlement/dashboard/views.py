"""Settlement dashboard pages: thin adapters over ``settlement.services``,
``settlement.periods`` and ``settlement.selectors``.

Statements are looked up in ``statements_visible`` (reading) or
``statements_payable`` (recording household payments), so another cooperative's
statement answers 404. Period pages and payouts are staff-only
(``SettlementDashboardConfig.permissions_map``).
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView, View

from settlement import selectors
from settlement.errors import SettlementError
from settlement.periods import open_period, settlement_days
from settlement.services import (
    issue_statements,
    mark_payout_paid,
    record_household_payment,
)
from suppliers.access import is_staff

from .forms import HouseholdPaymentForm, PayoutForm, PeriodForm, apply_error

PAGE_SIZE = 50


class StatementListView(ListView):
    template_name = "settlement/dashboard/statement_list.html"
    context_object_name = "statements"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return selectors.statements_visible(user=self.request.user)


class PeriodListView(TemplateView):
    template_name = "settlement/dashboard/period_list.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", PeriodForm())
        return super().get_context_data(
            periods=selectors.periods()[:100], days=settlement_days(), **kwargs
        )


class PeriodOpenView(PeriodListView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = PeriodForm(request.POST)
        if form.is_valid():
            try:
                period = open_period(
                    start=form.cleaned_data["start"], actor=request.user
                )
            except SettlementError as error:
                apply_error(form, error)
            else:
                messages.success(
                    request, _("Period %(period)s is open.") % {"period": period}
                )
                return redirect("dashboard:settlement-period-list")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PeriodIssueView(View):
    def post(self, request, *args, **kwargs):
        period = get_object_or_404(selectors.periods(), pk=kwargs["pk"])
        try:
            statements = issue_statements(period_id=period.pk, actor=request.user)
        except SettlementError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Period %(period)s is issued: %(count)s statements.")
                % {"period": period, "count": len(statements)},
            )
        return redirect("dashboard:settlement-period-list")


class StatementDetailView(TemplateView):
    template_name = "settlement/dashboard/statement_detail.html"

    def dispatch(self, request, *args, **kwargs):
        self.statement = get_object_or_404(
            selectors.statements_visible(user=request.user), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, *, payout_form=None, payment_form=None, **kwargs):
        user = self.request.user
        statement = self.statement
        lines = list(selectors.household_lines(statement=statement))
        can_pay = (
            selectors.statements_payable(user=user).filter(pk=statement.pk).exists()
        )
        paid_out = hasattr(statement, "payout")
        if payment_form is None and can_pay:
            payment_form = HouseholdPaymentForm(lines=lines)
        if payout_form is None and is_staff(user) and not paid_out:
            payout_form = PayoutForm()
        return super().get_context_data(
            statement=statement,
            document=selectors.statement_document(statement=statement),
            household_lines=lines,
            payments=selectors.payments_of(statement=statement),
            payout_form=payout_form if not paid_out else None,
            payment_form=payment_form if can_pay else None,
            **kwargs,
        )


class PayoutView(StatementDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = PayoutForm(request.POST)
        if form.is_valid():
            try:
                mark_payout_paid(
                    statement_id=self.statement.pk,
                    reference=form.cleaned_data["reference"],
                    actor=request.user,
                )
            except SettlementError as error:
                apply_error(form, error)
            else:
                messages.success(request, _("The payout is marked paid."))
                return redirect(
                    "dashboard:settlement-statement-detail", pk=self.statement.pk
                )
        return self.render_to_response(
            self.get_context_data(payout_form=form), status=400
        )


class HouseholdPaymentView(StatementDetailView):
    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        # Officials read statements but record nothing: not theirs to pay (404).
        get_object_or_404(
            selectors.statements_payable(user=request.user), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        lines = selectors.household_lines(statement=self.statement)
        form = HouseholdPaymentForm(request.POST, lines=lines)
        if form.is_valid():
            data = form.cleaned_data
            try:
                record_household_payment(
                    statement_id=self.statement.pk,
                    household_id=data["household"],
                    amount=data["amount"],
                    paid_on=data["paid_on"],
                    method=data["method"],
                    reference=data["reference"],
                    actor=request.user,
                    allow_overpayment=data["allow_overpayment"],
                )
            except SettlementError as error:
                apply_error(form, error)
            else:
                messages.success(
                    request, _("The payment to the household is recorded.")
                )
                return redirect(
                    "dashboard:settlement-statement-detail", pk=self.statement.pk
                )
        return self.render_to_response(
            self.get_context_data(payment_form=form), status=400
        )
