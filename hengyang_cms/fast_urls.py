"""URLs of articles, issues and printed pages for pages that list many of them (lists, the
search page, sitemap files of 50,000 URLs).

Reversing a URL through the resolver costs more than the rest of a list item: each pattern is
reversed once per script prefix with a stand-in value, which is then replaced by the real one.
"""

import functools

from django.urls import get_script_prefix, reverse

_PK = "424242424242"
_DAY = "1900-01-01"
_PAGE = "Z999"


@functools.lru_cache(maxsize=8)
def _patterns(prefix: str) -> tuple[str, str, str]:
    return (
        reverse("articles:detail", kwargs={"pk": int(_PK)}),
        reverse("articles:issue", kwargs={"date": _DAY}),
        reverse("articles:epaper_page", kwargs={"date": _DAY, "page": _PAGE}),
    )


def article_url(pk: int) -> str:
    """reverse("articles:detail", kwargs={"pk": pk})"""
    return _patterns(get_script_prefix())[0].replace(_PK, str(pk))


def issue_url(day) -> str:
    """reverse("articles:issue", kwargs={"date": day.isoformat()})"""
    return _patterns(get_script_prefix())[1].replace(_DAY, day.isoformat())


def epaper_page_url(day, number: str) -> str:
    """reverse("articles:epaper_page", kwargs={"date": day.isoformat(), "page": number})"""
    return _patterns(get_script_prefix())[2].replace(_DAY, day.isoformat()).replace(_PAGE, number)
