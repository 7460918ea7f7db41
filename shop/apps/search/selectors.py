"""The products the store lists: browsable, optionally in some categories and
matching a query, ready for the product card without a query per product.

The catalogue is small (hundreds of products), so the database does what a search
index would: every term must appear, case-insensitively, in the title, the UPC, the
description, a public category's name or a public variant's UPC.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")

TITLE_A_TO_Z = "title-asc"
TITLE_Z_TO_A = "title-desc"
NEWEST = "newest"
ORDERINGS = {
    TITLE_A_TO_Z: ("title", "pk"),
    TITLE_Z_TO_A: ("-title", "-pk"),
    NEWEST: ("-date_created", "-pk"),
}
# Each term adds a few LIKE clauses; a pasted paragraph must not build a query
# deeper than the database allows.
MAX_TERMS = 10


def query_terms(query: str) -> list[str]:
    """The distinct words of a query, split on any whitespace (also the
    full-width space of Chinese input methods)."""
    return list(dict.fromkeys(query.split()))[:MAX_TERMS]


def browsable_products(
    *,
    query: str = "",
    categories: QuerySet | None = None,
    sort: str = TITLE_A_TO_Z,
) -> QuerySet:
    """Public standalone and parent products, in ``categories`` (if given) and
    matching every term of ``query``, with what the product card and the partner
    strategy read (product class, options, images, stock records, public variants
    and their stock records) fetched up front."""
    products = (
        Product.objects.browsable()
        .base_queryset()
        .prefetch_public_children(
            queryset=Product.objects.public().prefetch_related("stockrecords")
        )
    )
    if categories is not None:
        products = products.filter(
            Exists(
                ProductCategory.objects.filter(
                    product=OuterRef("pk"), category__in=categories
                )
            )
        )
    for term in query_terms(query):
        products = products.filter(_matches(term))
    return products.order_by(*ORDERINGS.get(sort, ORDERINGS[TITLE_A_TO_Z]))


def _matches(term: str) -> Q:
    in_category = ProductCategory.objects.filter(
        product=OuterRef("pk"),
        category__is_public=True,
        category__ancestors_are_public=True,
        category__name__icontains=term,
    )
    variant = Product.objects.filter(
        parent=OuterRef("pk"), is_public=True, upc__icontains=term
    )
    return (
        Q(title__icontains=term)
        | Q(upc__icontains=term)
        | Q(description__icontains=term)
        | Q(Exists(in_category))
        | Q(Exists(variant))
    )
