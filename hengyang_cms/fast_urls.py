"""URLs of articles and issues for pages that list many of them.

Reversing a URL through the resolver costs more than the rest of a list item: each pattern is
reversed once per script prefix with a stand-in value, which is then replaced by the real one.
"""

import functools

from django.urls import get_script_prefix, reverse

_PK = "424242424242"
_DAY = "1900-01-01"


@functools.lru_cache(maxsize=8)
def _patterns(prefix: str) -> tuple[str, str]:
    return (
        reverse("articles:detail", kwargs={"pk": int(_PK)}),
        reverse("articles:issue", kwargs={"date": _DAY}),
    )


def article_url(pk: int) -> str:
    """reverse("articles:detail", kwargs={"pk": pk})"""
    return _patterns(get_script_prefix())[0].replace(_PK, str(pk))


def issue_url(day) -> str:
    """reverse("articles:issue", kwargs={"date": day.isoformat()})"""
    return _patterns(get_script_prefix())[1].replace(_DAY, day.isoformat())
