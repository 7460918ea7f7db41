import oscar.apps.search.apps as apps


class SearchConfig(apps.SearchConfig):
    """Oscar's search app, browsing and searching the database instead of Haystack.

    Only ``views.base.BaseSearchView`` and the forms are forked: Oscar's
    ``CatalogueView``, ``ProductCategoryView`` and ``FacetedSearchView`` load their
    base class and forms with ``get_class``, so they run on ours unchanged.
    """

    name = "shop.apps.search"
