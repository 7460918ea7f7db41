"""Forms of the sales dashboard. They only take what was typed and the file; the
file is read by ``ledger.counter_sale_upload`` and the rules are
``ledger.counter_sales``'s."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ledger.counter_sale_upload import MAX_BYTES
from ledger.models import CounterSaleBatch
from shop import uploads


class CounterSaleUploadForm(forms.Form):
    reference = forms.CharField(
        label=_("Batch reference"),
        max_length=CounterSaleBatch._meta.get_field("reference").max_length,
        help_text=_("The operator's reference for this report; each is recorded once."),
    )
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        # Size (before reading), extension and content: shop.uploads.
        return uploads.validate_spreadsheet(
            self.cleaned_data["file"], max_bytes=MAX_BYTES
        )


class WithdrawForm(forms.Form):
    # Blank is the service's to refuse, with its message.
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=CounterSaleBatch._meta.get_field("withdrawn_reason").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
