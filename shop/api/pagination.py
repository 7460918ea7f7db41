from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Page-numbered lists; ``page_size`` up to 200 on request."""

    page_size_query_param = "page_size"
    max_page_size = 200
