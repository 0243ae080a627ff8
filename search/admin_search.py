"""The article admin's search box, through the archive index (registered in SearchConfig.ready()).

The same matching as the public search — every term a substring after normalising, quoted phrases,
``-word`` — over whatever the admin list shows (its own scope and filters), so the box finds words
in the body too and never scans article text. Input the parser refuses matches nothing.

The matches come from the index as ids, found the way the public search finds them (engine's
windows over the newest entries), and the list keeps those of its own rows: a term with at most
1,000 matches in the whole archive (``exact_limit``) is found exactly under any of the list's
filters; a commoner one (发展: most of the archive) lists its newest 2,000 (``candidate_limit``),
which the queryset says (``newest_only``) for the list to tell the editor. Testing the index per article
instead (an ``EXISTS`` for each row of the list) read the whole archive: 4.5 s at 50,000 articles.
"""

from search.engine import DEFAULT_LIMITS, EVERYTHING, Filters, SearchTimeout, _matches, guarded
from search.query import QueryError, parse_query

# The public search's bounds: counts exact up to exact_limit, else the newest candidate_limit matches.
LIMITS = DEFAULT_LIMITS


def admin_search(queryset, term: str):
    try:
        parsed = parse_query(term)
    except QueryError:
        return queryset.none()
    if parsed.is_empty:
        return queryset
    need = LIMITS.candidate_limit
    try:
        found = guarded(lambda: _matches(parsed, Filters(), scope=EVERYTHING, need=need, limits=LIMITS), LIMITS)
    except SearchTimeout:
        return queryset.none()
    matches = queryset.filter(pk__in=[row[0] for row in found.rows])
    # How many of the newest matches the list holds when that is not all of them, else 0.
    matches.newest_only = 0 if found.complete else need
    return matches
