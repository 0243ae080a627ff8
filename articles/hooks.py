"""Services other apps offer to articles, registered in their ``ready()``: articles never imports them.

The admin's article list searches through the archive index when the ``search`` app has
registered its search here (``search.admin_search``); without it the list falls back to
Django's ``icontains`` over title, kicker and subtitle.
"""

from collections.abc import Callable

from django.db.models import QuerySet

# (queryset of articles, search term) -> the matching articles, as a queryset.
_admin_search: Callable[[QuerySet, str], QuerySet] | None = None


def register_admin_search(func: Callable[[QuerySet, str], QuerySet]) -> None:
    global _admin_search
    _admin_search = func


def admin_search(queryset: QuerySet, term: str) -> QuerySet | None:
    """The articles of ``queryset`` matching ``term``, or None when no search is registered."""
    return None if _admin_search is None else _admin_search(queryset, term)
