"""The API's calls into archive search, kept here and small, as search/views.py makes them: what a
person may find is engine.scope_for(user) — articles_for(user) as the index sees it.

filtered() narrows a queryset the caller built from articles_for(user) by the search filters
and words (through the articles table, so any order and keyset applies to it); ranked_ids()
gives matches in relevance order as the search page ranks them.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from articles.models import Article
from search import engine
from search.query import ParsedQuery, QueryError, parse_query

Filters = engine.Filters
SearchTimeout = engine.SearchTimeout

__all__ = ["Filters", "QueryError", "SearchTimeout", "filtered", "guarded", "parse_query", "ranked_ids"]


def limits() -> engine.SearchLimits:
    return getattr(settings, "SEARCH_LIMITS", None) or engine.DEFAULT_LIMITS


def filtered(articles: QuerySet[Article], parsed: ParsedQuery, filters: engine.Filters, user) -> QuerySet[Article]:
    scope = engine.scope_for(user)
    return engine.matching(engine.apply_filters(articles, filters, scope=scope), parsed)


def ranked_ids(parsed: ParsedQuery, filters: engine.Filters, user, *, max_rows: int) -> list[int]:
    return engine.ordered_ids(
        parsed, filters, scope=engine.scope_for(user), sort="", max_rows=max_rows, limits=limits()
    )


def guarded(func):
    """Run a search's query under the search statement timeout (SearchTimeout past it)."""
    return engine.guarded(func, limits())
