from typing import NamedTuple

from django.conf import settings
from django.views.generic import View
from django.views.generic.base import TemplateResponseMixin
from django.views.generic.edit import FormMixin
from django.views.generic.list import MultipleObjectMixin
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")


class SearchResult(NamedTuple):
    """A listed product as Oscar's templates expect a Haystack hit:
    ``{% render_product result.object %}``."""

    object: Product


class BaseSearchView(MultipleObjectMixin, FormMixin, TemplateResponseMixin, View):
    """Lists the form's products from the database, paginated, with the context
    Oscar's browse, category and search templates read from Haystack's view
    (``form``, ``query``, ``paginator``, ``page_obj``/``page``, no facets).

    Oscar's ``CatalogueView``, ``ProductCategoryView`` and ``FacetedSearchView``
    subclass this one (through ``get_class``) and set the form and template.
    """

    form_name = "form"
    search_field = "q"

    def get_paginate_by(self, queryset) -> int:
        return settings.OSCAR_PRODUCTS_PER_PAGE

    def get_form_kwargs(self) -> dict:
        return {"initial": self.get_initial(), "data": self.request.GET}

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        self.object_list = form.search()
        return self.render_to_response(
            self.get_context_data(
                **{self.form_name: form, "object_list": self.object_list}
            )
        )

    def paginate_queryset(self, queryset, page_size):
        paginator, page, products, is_paginated = super().paginate_queryset(
            queryset, page_size
        )
        page.object_list = [SearchResult(product) for product in products]
        return paginator, page, page.object_list, is_paginated

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context[self.form_name]
        context["query"] = form.cleaned_data.get(self.search_field) or ""
        context["page"] = context["page_obj"]
        context["facet_data"] = {}
        context["has_facets"] = False
        context["selected_facets"] = form.selected_facets
        return context
