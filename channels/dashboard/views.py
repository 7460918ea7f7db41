"""Channels dashboard pages: thin adapters over ``channels.services`` and
``channels.selectors``. Staff only (see ``ChannelsDashboardConfig``).

What a service refuses comes back on the form, field by field, with nothing
changed.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, View

from channels import services
from channels.selectors import channels_list

from .forms import (
    ChannelCloseForm,
    ChannelCreateForm,
    ChannelFilterForm,
    ChannelUpdateForm,
    apply_service_errors,
)

PAGE_SIZE = 50


class ChannelListView(ListView):
    template_name = "channels/dashboard/channel_list.html"
    context_object_name = "channels"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.form = ChannelFilterForm(self.request.GET or None)
        return channels_list(**self.form.selection())

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            form=self.form, is_filtered=self.form.is_bound, **kwargs
        )


class ChannelCreateView(FormView):
    template_name = "channels/dashboard/channel_form.html"
    form_class = ChannelCreateForm

    def form_valid(self, form):
        try:
            channel = services.open_channel(**form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Channel %(name)s opened.") % {"name": channel}
        )
        return redirect("dashboard:channel-list")


class ChannelMixin:
    """The channel named in the URL (any id that names none answers 404)."""

    def dispatch(self, request, *args, **kwargs):
        self.channel = get_object_or_404(channels_list(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(channel=self.channel, **kwargs)


class ChannelUpdateView(ChannelMixin, FormView):
    template_name = "channels/dashboard/channel_form.html"
    form_class = ChannelUpdateForm

    def get_initial(self):
        return {field: getattr(self.channel, field) for field in services.CHANGEABLE}

    def form_valid(self, form):
        try:
            services.update_channel(channel_id=self.channel.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Channel saved."))
        return redirect("dashboard:channel-list")


class ChannelCloseView(ChannelMixin, FormView):
    template_name = "channels/dashboard/channel_close.html"
    form_class = ChannelCloseForm

    def form_valid(self, form):
        try:
            services.close_channel(channel_id=self.channel.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Channel %(name)s closed.") % {"name": self.channel}
        )
        return redirect("dashboard:channel-list")


class ChannelReopenView(ChannelMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            services.reopen_channel(channel_id=self.channel.pk)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, _("Channel %(name)s reopened.") % {"name": self.channel}
            )
        return redirect("dashboard:channel-update", pk=self.channel.pk)
