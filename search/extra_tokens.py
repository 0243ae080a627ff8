"""Tokens for an entry's publication month, year and clusters, beside its text tokens.

A unigram or bigram text token is a UTF-16 unit (below 65,536) or a pair
``first | second << 16`` with both units non-zero (see text.token_array), so its low 16 bits
are never all zero; the hashed trigrams are ``k << 16`` with k from 32,768 (text._TRIGRAM_BASE).
Codes ``k << 16`` with k below 32,768 are therefore free, and each index entry also holds one
for its publication month, one for its year and one per cluster: in ``grams`` on PostgreSQL,
in the FTS5 table on SQLite (both through backends.entry_grams).

A window is asked for as whole years plus the months at its ends, so a window of decades
costs a few dozen tokens, not hundreds. A search for the newest matches of a term within the
last months, or within a cluster, is then one index lookup (a GIN scan on PostgreSQL, an FTS5
query on SQLite) over the term's tokens AND any of those months' or years' tokens (AND the
cluster's): the index visits only entries inside the window, however many older ones hold the
term. Left to itself PostgreSQL's planner would read every entry holding the term and filter
by date afterwards, as it badly underestimates how many there are.
"""

import datetime

MONTH_BASE = 1  # k for January 2000 (earlier months share it), up to k 17,988 (later ones share that)
YEAR_BASE = 18000  # k for 2000 (earlier years share it), up to k 19,498
CLUSTER_BASE = 20000  # k for cluster id 0; ids stay below 12,768, so k stays below the trigrams' 32,768
_FIRST_YEAR = 2000
_MONTHS = (YEAR_BASE - MONTH_BASE) // 12 * 12  # months with a token of their own


def _month_index(when: datetime.datetime) -> int:
    when = when.astimezone(datetime.UTC)
    return min(max(0, (when.year - _FIRST_YEAR) * 12 + when.month - 1), _MONTHS - 1)


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
    if not 0 <= cluster_id < (1 << 15) - CLUSTER_BASE:
        raise ValueError(f"cluster id {cluster_id} outside the token range")
    return (CLUSTER_BASE + cluster_id) << 16


def entry_tokens(published_at: datetime.datetime | None, cluster_ids) -> list[int]:
    tokens = [cluster_token(c) for c in cluster_ids]
    if published_at is not None:
        tokens += [month_token(published_at), year_token(published_at)]
    return tokens
