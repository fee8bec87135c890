"""Helpers shared by the registry's views."""

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, QueryDict

from backoffice.registry.views.access import EXPORT_FORMATS

PAGING_PARAMS = ("after", "before")


def query_without_paging(query: QueryDict) -> str:
    params = query.copy()
    for name in PAGING_PARAMS:
        params.pop(name, None)
    return params.urlencode()


def export_links(query: QueryDict, *, dataset: str = "buildings") -> list[tuple[str, str]]:
    """(format, URL) pairs for the export endpoints, with the list's filters."""
    qs = query_without_paging(query)
    suffix = f"?{qs}" if qs else ""
    return [(fmt, f"/staff/registry/exports/{dataset}.{fmt}{suffix}") for fmt in EXPORT_FORMATS]


def cursor(query: QueryDict, name: str) -> str:
    """A paging key from the query string, bounded so junk cannot grow a query."""
    value = query.get(name, "")
    return value[:40]


def get_or_404(selector, **kwargs):
    try:
        return selector(**kwargs)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
