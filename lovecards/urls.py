from django.urls import path

from lovecards.views import BalanceView

app_name = "lovecards"
urlpatterns = [path("balance/", BalanceView.as_view(), name="balance")]
