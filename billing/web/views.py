"""The canteen's account page in the store (``/canteen/account/``): for its buyers
and approvers, what the canteen may still buy on account, what it owes, its open
invoices and their due dates, the payments the platform received, and the
invoices' PDFs and monthly statements to download.

Accounts and invoices are looked up only in ``billing.selectors``' scoped
querysets, so another canteen's answer 404. Nothing here writes: staff record
payments in the dashboard.
"""

from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import TemplateView, View

from billing import queries, selectors
from billing.errors import BillingError
from billing.forms import StatementForm, apply_error
from billing.models import Account, BankPayment
from billing.queries import InvoiceRow, invoice_rows
from billing.web import files
from canteens.models import Organisation
from canteens.selectors import organisations_for
from suppliers.access import is_staff

SETTLED_SHOWN = 10


@dataclass(frozen=True)
class Section:
    """One canteen of the member's: its account, or ``None`` (pays by card)."""

    organisation: Organisation
    account: Account | None
    figures: queries.Figures | None = None
    open_invoices: tuple[InvoiceRow, ...] = ()
    settled_invoices: tuple[InvoiceRow, ...] = ()
    payments: tuple[BankPayment, ...] = ()
    statement_form: StatementForm | None = None


def statement_form(account: Account, data=None) -> StatementForm:
    today = timezone.localdate()
    return StatementForm(
        data,
        initial={"month": today.strftime("%Y-%m")},
        auto_id=f"statement_{account.pk}_%s",
    )


class AccountPageView(LoginRequiredMixin, TemplateView):
    """Each of the member's canteens: its account, or that it pays by card."""

    template_name = "billing/canteen/account.html"
    extra_context = {"active_tab": "account"}

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.organisations = list(organisations_for(user=request.user).order_by("name"))
        if not self.organisations:
            if is_staff(request.user):
                return redirect("billing-dashboard:account-list")
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def section(self, organisation, account, forms) -> Section:
        if account is None:
            return Section(organisation, None)
        today = timezone.localdate()
        return Section(
            organisation=organisation,
            account=account,
            figures=queries.figures(accounts=[account], today=today)[account.pk],
            open_invoices=tuple(
                invoice_rows(queries.open_invoices(account=account), today=today)
            ),
            settled_invoices=tuple(
                invoice_rows(
                    queries.settled_invoices(account=account)[:SETTLED_SHOWN],
                    today=today,
                )
            ),
            payments=tuple(queries.recent_payments(account=account)),
            statement_form=forms.get(account.pk) or statement_form(account),
        )

    def get_context_data(self, *, forms=None, **kwargs):
        accounts = {
            account.organisation_id: account
            for account in Account.objects.filter(
                organisation__in=self.organisations
            ).select_related("organisation")
        }
        sections = [
            self.section(organisation, accounts.get(organisation.pk), forms or {})
            for organisation in self.organisations
        ]
        return super().get_context_data(sections=sections, **kwargs)


class StatementView(AccountPageView):
    """``?month=YYYY-MM&format=pdf|xlsx``: one of the member's accounts'
    statement for the month; a bad month is shown on the page (400)."""

    def get(self, request, *args, **kwargs):
        account = get_object_or_404(
            selectors.accounts_visible(user=request.user), pk=kwargs["pk"]
        )
        form = statement_form(account, request.GET)
        if form.is_valid():
            year, month = form.cleaned_data["month"]
            try:
                return files.statement_file(
                    account=account,
                    year=year,
                    month=month,
                    file_format=form.cleaned_data["format"],
                )
            except BillingError as error:
                apply_error(form, error)
        context = self.get_context_data(forms={account.pk: form})
        return self.render_to_response(context, status=400)


class InvoicePdfView(LoginRequiredMixin, View):
    def get(self, request, *args, **kwargs):
        invoice = get_object_or_404(
            selectors.invoices_visible(user=request.user), pk=kwargs["pk"]
        )
        return files.invoice_file(invoice)
