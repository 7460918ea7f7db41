"""Oscar's search forms without Haystack: they validate the query string and hand
it to ``selectors.browsable_products``.

Oscar's views build these by name (``get_class("search.forms", ...)``), so all three
are defined here, and the context processor's site-wide search box is ours too.
The fields and labels are Oscar's, so Oscar's translations apply.
"""

import copy

from django import forms
from django.db.models import QuerySet
from oscar.apps.search import forms as core

from . import selectors

_SORT_LABELS = dict(core.SearchForm.SORT_BY_CHOICES)


class SearchForm(forms.Form):
    q = copy.deepcopy(core.SearchForm.base_fields["q"])
    # Only the sorts the database can do as the card shows them: the card's price
    # is the strategy's pick among the stock records, not a column.
    sort_by = forms.ChoiceField(
        label=core.SearchForm.base_fields["sort_by"].label,
        choices=[(key, _SORT_LABELS[key]) for key in selectors.ORDERINGS],
        required=False,
    )

    @property
    def selected_facets(self) -> list[str]:
        return []

    def get_categories(self) -> QuerySet | None:
        return None

    def search(self) -> QuerySet:
        """The products to list. An empty query lists everything; an invalid sort
        falls back to title order and is reported on its field."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return selectors.browsable_products(
            query=cleaned.get("q") or "",
            categories=self.get_categories(),
            sort=cleaned.get("sort_by") or selectors.TITLE_A_TO_Z,
        )


class BrowseCategoryForm(SearchForm):
    """Oscar's ``CatalogueView`` asks for it by name; an empty query already lists
    everything here."""


class CategoryForm(BrowseCategoryForm):
    """The products of ``categories``: the category shown and its descendants,
    as Oscar's ``ProductCategoryView`` passes them."""

    def __init__(self, categories, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = categories

    def get_categories(self) -> QuerySet:
        return self.categories
