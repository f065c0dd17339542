"""Page-number pagination for every list: ``?page=N`` and ``?page_size=N`` (at most 200)."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """50 items a page by default; a page past the end is a 404 in the API's error shape."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
