"""The article admin's search box, through the archive index (registered in SearchConfig.ready()).

The same matching as the public search — every term a substring after normalising, quoted phrases,
``-word`` — over whatever the admin list shows (its own scope and filters), so the box finds words
in the body too and never scans article text. Input the parser refuses matches nothing.
"""

from search.engine import matching
from search.query import QueryError, parse_query


def admin_search(queryset, term: str):
    try:
        parsed = parse_query(term)
    except QueryError:
        return queryset.none()
    return matching(queryset, parsed)
