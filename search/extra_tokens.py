"""Tokens for an entry's publication month and year, its clusters, commentators and page, beside
its text tokens.

A unigram or bigram text token is a UTF-16 unit (below 65,536) or a pair
``first | second << 16`` with both units non-zero (see text.token_array), so its low 16 bits
are never all zero; the hashed trigrams and quadgrams are ``k << 16`` with k from 32,768
(text._TRIGRAM_BASE). Codes ``k << 16`` with k below 32,768 are therefore free, and each index
entry also holds one for its publication month, one for its year, one per cluster, one per
commentator and one for its page number (A04): in ``grams`` on PostgreSQL, in the FTS5 table on SQLite (both through
backends.entry_grams).

Months and years have a token each from January 1949, when the paper began, for 300 years.
Clusters, commentators and pages share their ranges by remainder where there are more of them
than codes: such a token narrows the index lookup, and the engine confirms the filter on the
entry's own copy of the ids or the page number, so results stay exact.

A window is asked for as whole years plus the months at its ends, so a window of decades
costs a few dozen tokens, not hundreds. A search for the newest matches of a term within the
last months, a cluster, a page or a commentator's sections is then one index lookup (a GIN scan
on PostgreSQL, an FTS5 query on SQLite) over the term's tokens AND any of those months' or
years' tokens (AND the filter's): the index visits only entries inside the window and the
filter, however many others hold the term. Left to itself PostgreSQL's planner would read every
entry holding the term and filter afterwards, as it badly underestimates how many there are.
"""

import datetime

FIRST_YEAR = 1949
_YEARS = 300
MONTH_BASE = 1  # k for January 1949 (earlier months share it), up to k 3,600 (later ones share that)
YEAR_BASE = 3700  # k for 1949 (earlier years share it), up to k 3,999
CLUSTER_BASE = 4000  # cluster ids by remainder over 4,000 codes
COMMENTATOR_BASE = 8000  # commentator ids by remainder over 16,000 codes
PAGE_BASE = 24000  # page numbers by remainder over the last 8,768 codes below the trigrams' 32,768
_CLUSTER_CODES = COMMENTATOR_BASE - CLUSTER_BASE
_COMMENTATOR_CODES = PAGE_BASE - COMMENTATOR_BASE
_PAGE_CODES = (1 << 15) - PAGE_BASE
_MONTHS = _YEARS * 12


def _month_index(when: datetime.datetime) -> int:
    when = when.astimezone(datetime.UTC)
    return min(max(0, (when.year - FIRST_YEAR) * 12 + when.month - 1), _MONTHS - 1)


def month_token(when: datetime.datetime) -> int:
    return (MONTH_BASE + _month_index(when)) << 16


def year_token(when: datetime.datetime) -> int:
    return (YEAR_BASE + _month_index(when) // 12) << 16


def window_tokens(start: datetime.datetime, end: datetime.datetime) -> list[int]:
    """Tokens covering every month from ``start``'s to ``end``'s (UTC), both included:
    a year's token where the whole year is inside, its months' tokens where it is not."""
    first, last = _month_index(start), _month_index(end)
    tokens, index = [], first
    while index <= last:
        if index % 12 == 0 and index + 11 <= last:
            tokens.append((YEAR_BASE + index // 12) << 16)
            index += 12
        else:
            tokens.append((MONTH_BASE + index) << 16)
            index += 1
    return tokens


def cluster_token(cluster_id: int) -> int:
    return (CLUSTER_BASE + cluster_id % _CLUSTER_CODES) << 16


def commentator_token(commentator_id: int) -> int:
    return (COMMENTATOR_BASE + commentator_id % _COMMENTATOR_CODES) << 16


def page_token(number: str) -> int:
    """A page number (版次: A04, B12, 03) as a code: its letter and its number, by remainder."""
    letter = number[:1] if number[:1].isalpha() else ""
    digits = number[len(letter) :]
    value = (ord(letter) - ord("A") + 1 if letter else 0) * 1000 + (int(digits) if digits.isdigit() else 0)
    return (PAGE_BASE + value % _PAGE_CODES) << 16


def entry_tokens(published_at: datetime.datetime | None, cluster_ids, commentator_ids=(), page: str = "") -> list[int]:
    tokens = [cluster_token(c) for c in cluster_ids]
    tokens += [commentator_token(c) for c in commentator_ids]
    if page:
        tokens.append(page_token(page))
    if published_at is not None:
        tokens += [month_token(published_at), year_token(published_at)]
    # Distinct: two ids sharing a code by remainder would otherwise write it twice.
    return sorted(set(tokens))
