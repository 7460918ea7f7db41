"""The card holder's balance page: number and PIN in, balance and expiry out.
A wrong PIN counts against the card like at checkout (``check_card``)."""

from django.shortcuts import render
from django.views import View

from lovecards import services
from lovecards.errors import CardRefused
from lovecards.forms import BalanceForm

TEMPLATE = "lovecards/balance.html"


class BalanceView(View):
    def get(self, request):
        return render(request, TEMPLATE, {"form": BalanceForm()})

    def post(self, request):
        form = BalanceForm(request.POST)
        context = {"form": form}
        if form.is_valid():
            try:
                context["card"] = services.check_card(
                    number=form.cleaned_data["number"],
                    pin=form.cleaned_data["pin"],
                    client=request.META.get("REMOTE_ADDR", ""),
                )
                context["form"] = BalanceForm()
            except CardRefused as exc:
                context["error"] = exc.message
        status = 200 if "card" in context or not form.is_bound else 400
        return render(request, TEMPLATE, context, status=status)
