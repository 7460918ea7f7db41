"""Staff's canteen-account pages: thin adapters over ``billing.services`` (open
an account, change its terms, record a bank payment, issue a credit note) and
the reads of ``billing.queries``. Every refusal of a service is shown on its
form's field, with a 400; nothing is written then.

Staff only (``billing.dashboard.urls`` guards every view as Oscar guards its
dashboard: visitors to the dashboard's login, anyone else signed in 403).
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from billing import queries, services
from billing.errors import BillingError
from billing.forms import StatementForm, apply_error
from billing.models import Account, CreditNote, Invoice
from billing.web import files

from .forms import BankPaymentForm, CreditNoteForm, OpenAccountForm, TermsForm

INVOICES_PER_PAGE = 50
LATEST = 50


class AccountListView(TemplateView):
    """Every account with its credit, and the form that opens one."""

    template_name = "billing/dashboard/account_list.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault(
            "open_form",
            OpenAccountForm(organisations=queries.canteens_without_account()),
        )
        rows = queries.account_rows(Account.objects.all())
        return super().get_context_data(
            rows=rows,
            overdue_accounts=sum(1 for row in rows if row.figures.overdue > 0),
            **kwargs,
        )


class AccountOpenView(AccountListView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        # Any active canteen: one with an account already is the service's to refuse.
        form = OpenAccountForm(
            request.POST,
            organisations=queries.active_canteens(),
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                account = services.open_account(
                    organisation_id=data["organisation"],
                    credit_limit=data["credit_limit"],
                    payment_terms_days=data["payment_terms_days"],
                    actor=request.user,
                )
            except BillingError as error:
                apply_error(form, error)
            else:
                messages.success(
                    request,
                    _("%(canteen)s now buys on account.")
                    % {"canteen": account.organisation.name},
                )
                return redirect("billing-dashboard:account-detail", pk=account.pk)
        return self.render_to_response(
            self.get_context_data(open_form=form), status=400
        )


class AccountDetailView(TemplateView):
    """An account: its credit, invoices (settled, outstanding, overdue), bank
    payments and credit notes, and staff's forms."""

    template_name = "billing/dashboard/account_detail.html"

    def dispatch(self, request, *args, **kwargs):
        self.account = get_object_or_404(
            Account.objects.select_related("organisation"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def open_invoices(self) -> list[Invoice]:
        return list(queries.open_invoices(account=self.account))

    def creditable_invoices(self) -> list[Invoice]:
        return list(
            Invoice.objects.filter(account=self.account, amount__gt=0).order_by(
                "-issued_on", "-pk"
            )
        )

    def get_context_data(self, **kwargs):
        account, today = self.account, timezone.localdate()
        kwargs.setdefault(
            "terms_form",
            TermsForm(
                initial={
                    "credit_limit": account.credit_limit,
                    "payment_terms_days": account.payment_terms_days,
                    "is_active": account.is_active,
                }
            ),
        )
        kwargs.setdefault(
            "payment_form", BankPaymentForm(invoices=self.open_invoices())
        )
        kwargs.setdefault(
            "credit_form", CreditNoteForm(invoices=self.creditable_invoices())
        )
        kwargs.setdefault(
            "statement_form", StatementForm(initial={"month": today.strftime("%Y-%m")})
        )
        invoices = Paginator(
            account.invoices.order_by("-issued_on", "-pk"), INVOICES_PER_PAGE
        ).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            account=account,
            figures=queries.figures(accounts=[account], today=today)[account.pk],
            paginator=invoices.paginator,
            page_obj=invoices,
            invoices=queries.invoice_rows(invoices.object_list, today=today),
            payments=account.payments.select_related("invoice", "recorded_by")[:LATEST],
            credit_notes=CreditNote.objects.filter(account=account).select_related(
                "invoice", "issued_by"
            )[:LATEST],
            **kwargs,
        )

    def refused(self, **forms):
        return self.render_to_response(self.get_context_data(**forms), status=400)

    def done(self, message: str):
        messages.success(self.request, message)
        return redirect("billing-dashboard:account-detail", pk=self.account.pk)


class TermsView(AccountDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = TermsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.change_terms(
                    account_id=self.account.pk,
                    credit_limit=data["credit_limit"],
                    payment_terms_days=data["payment_terms_days"],
                    is_active=data["is_active"],
                    actor=request.user,
                )
            except BillingError as error:
                apply_error(form, error)
            else:
                return self.done(_("The account's terms are saved."))
        return self.refused(terms_form=form)


class BankPaymentView(AccountDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = BankPaymentForm(request.POST, invoices=self.open_invoices())
        if form.is_valid():
            data = form.cleaned_data
            try:
                payment = services.record_bank_payment(
                    account_id=self.account.pk,
                    reference=data["reference"],
                    amount=data["amount"],
                    received_on=data["received_on"],
                    invoice_id=data["invoice"],
                    note=data["note"],
                    actor=request.user,
                )
            except BillingError as error:
                apply_error(form, error)
            else:
                return self.done(
                    _(
                        "Bank payment %(reference)s recorded: %(matched)s yuan "
                        "settled invoices, %(unmatched)s yuan is kept as credit."
                    )
                    % {
                        "reference": payment.reference,
                        "matched": payment.matched,
                        "unmatched": payment.unmatched,
                    }
                )
        return self.refused(payment_form=form)


class CreditNoteView(AccountDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = CreditNoteForm(request.POST, invoices=self.creditable_invoices())
        if form.is_valid():
            data = form.cleaned_data
            try:
                note = services.issue_credit_note(
                    account_id=self.account.pk,
                    amount=data["amount"],
                    reason=data["reason"],
                    invoice_id=data["invoice"],
                    actor=request.user,
                )
            except BillingError as error:
                apply_error(form, error)
            else:
                return self.done(
                    _("Credit note %(number)s issued: %(amount)s yuan.")
                    % {"number": note.number, "amount": note.amount}
                )
        return self.refused(credit_form=form)


class StatementView(AccountDetailView):
    """``?month=YYYY-MM&format=pdf|xlsx``: the month's statement as a file."""

    def get(self, request, *args, **kwargs):
        form = StatementForm(request.GET)
        if form.is_valid():
            year, month = form.cleaned_data["month"]
            try:
                return files.statement_file(
                    account=self.account,
                    year=year,
                    month=month,
                    file_format=form.cleaned_data["format"],
                )
            except BillingError as error:
                apply_error(form, error)
        return self.refused(statement_form=form)


class InvoicePdfView(View):
    def get(self, request, *args, **kwargs):
        return files.invoice_file(get_object_or_404(Invoice, pk=kwargs["pk"]))
