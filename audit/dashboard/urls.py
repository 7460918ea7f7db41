"""The staff's audit log, included at ``/dashboard/audit/`` by ``shop.urls`` and
guarded as Oscar guards its dashboard: staff only, visitors to the dashboard's
login, anyone else signed in 403."""

from django.urls import path, reverse_lazy
from oscar.views.decorators import permissions_required

from . import views

app_name = "audit-dashboard"

staff_only = permissions_required(
    ["is_staff"], login_url=reverse_lazy("dashboard:login")
)

urlpatterns = [
    path("", staff_only(views.EntryListView.as_view()), name="entry-list"),
]
