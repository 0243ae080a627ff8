"""Index backends: every piece of SQL in search that differs between the two databases.

PostgreSQL (postgres.py) keeps an entry's tokens in an ``int4[]`` column ``grams`` under a GIN
index, and writes many entries at once by binary COPY (pgcopy.py); SQLite (sqlite.py) keeps
them in the contentless FTS5 table ``search_fts``, keyed by article id. Both index the same
tokens: every UTF-16 unit of the normalised text, every pair of adjacent units, and every three
units in a row that include a digit or Latin letter (search/text.py), plus one token for the
entry's publication month, one for its year, one per cluster and commentator and one for its
page number (search/extra_tokens.py). Both
confirm terms longer than two units against the stored normalised text, so both return exactly
the articles that contain the query.

A backend (get_backend()) answers, for its database:

- writing: upsert(), delete(), clear() and rebuild() of entries; after a rebuild
  (finish_rebuild()) and around a bulk load (defers_bulk_indexing, finish_bulk_load());
- matching: doc_match(), conditions on an index entry ``d``, and match_sql(), a condition on
  ``articles_article``;
- the rest of a search's SQL: the ORDER BY that follows the date index (date_order()), the
  publication time as seconds since 1970 (epoch_sql), the ranking columns (rank_columns()),
  the cluster and commentator filters on the entry's copies of the ids (ids_condition()), the planner's statistics
  (statistics()), how a query steers the planner (steer_planner()), and the statement timeout
  (time_limit(), is_timeout()).

search/engine.py and search/indexing.py never ask which database they run on.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import itertools
from collections import Counter
from collections.abc import Callable

import numpy as np
from django.db import connection

from search import extra_tokens, text
from search.query import ParsedQuery

DOC_TABLE = "search_searchdocument"
ARTICLE_ID = '"articles_article"."id"'


def entry_grams(row: tuple, *, signed: bool = True) -> np.ndarray:
    """The tokens of an index row: its text's, its publication month's and year's, its
    clusters', commentators' and page's."""
    codes = text.token_array(row[1] + text.FIELD_SEPARATOR + row[2], signed=signed)
    extra = extra_tokens.entry_tokens(row[4], row[5], row[6], row[7])  # all positive: the same signed or not
    return np.concatenate((codes, np.asarray(extra, dtype=codes.dtype))) if extra else codes


def index_row(raw: tuple) -> tuple:
    """(id, head, body, status, published_at, cluster ids, commentator ids, page number) from an
    article's fields as read (see indexing._fetch): its text normalised, fields joined."""
    pk, heads, bodies, *rest = raw
    return (pk, text.join_fields(heads), text.join_fields(bodies), *rest)


def stored_ids(value) -> list[int]:
    """An entry's cluster or commentator ids as read back: an int4[] on PostgreSQL, "3,5,8" on SQLite."""
    if isinstance(value, str):
        return [int(part) for part in value.split(",") if part]
    return value or []


def count_ids(values: list) -> Counter:
    """How often each id occurs in entries' copies of ids as read back (see stored_ids): joined
    once rather than read entry by entry, as facets count thousands of entries per search."""
    if values and isinstance(values[0], str):
        return Counter(int(part) for part in ",".join(values).split(",") if part)
    return Counter(itertools.chain.from_iterable(values))  # int4[] columns are never NULL


def stored_datetime(value) -> datetime.datetime | None:
    """A datetime as read back by raw SQL (on SQLite the naive UTC text Django stores), made aware."""
    if not value:
        return None
    when = datetime.datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.replace(tzinfo=datetime.UTC) if when.tzinfo is None else when


def chunks(ids, size: int):
    """Lists of at most ``size`` of ``ids`` (a list, or rebuild_index's compact array)."""
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


class SearchBackend:
    """What search/engine.py and search/indexing.py ask of a database (see the module docstring)."""

    vendor = ""
    # Whether the chunks of a large load (articles.signals.articles_written with bulk_load=True)
    # go unindexed until finish_bulk_load() builds the whole index in one pass.
    defers_bulk_indexing = False
    # The publication time of entry ``d`` as seconds since 1970, a float: parsing thousands of
    # timestamps per search would cost more than the query that finds them.
    epoch_sql = ""
    # For the ranking columns: the position of a string in a text (0 when absent), a text's length.
    find_function = ""
    length_function = ""

    # Writing entries.

    def upsert(self, cursor, rows: list[tuple]) -> None:
        """Write index rows (see index_row), replacing the entries of the same articles."""
        raise NotImplementedError

    def delete(self, cursor, article_ids: list[int]) -> None:
        raise NotImplementedError

    def clear(self, cursor) -> None:
        raise NotImplementedError

    def rebuild(self, ids: list[int], fetch, *, chunk_size: int, progress=None) -> None:
        """Write the entries of ``ids`` into fresh tables and swap them in (see indexing.rebuild_index).

        ``fetch(chunk)`` returns the articles' fields as read and the ids that are gone.
        """
        raise NotImplementedError

    def finish_rebuild(self) -> None:
        """Once a rebuild has caught up with the saves made meanwhile."""

    def finish_bulk_load(self, rebuild: Callable[[], object]) -> None:
        """A large load has ended (articles.signals.bulk_load_finished); ``rebuild`` is
        indexing.rebuild_index, for a backend that deferred the load's chunks."""
        raise NotImplementedError

    # Matching.

    def doc_match(
        self, parsed: ParsedQuery, *, use_index: bool = True, all_tokens=(), any_tokens=()
    ) -> tuple[list[str], list]:
        """Conditions on the index entry ``d`` alone, for queries that never touch the articles.

        ``all_tokens`` (a cluster's) and ``any_tokens`` (a window's months and years, see
        extra_tokens) join the terms' tokens in the same index lookup. Without the index only
        the substring tests remain: exact, and what a walk along the date index uses.
        """
        raise NotImplementedError

    def match_sql(self, parsed: ParsedQuery, *, use_index: bool = True) -> tuple[str, list]:
        """A condition on ``articles_article`` that holds for the articles matching the query."""
        raise NotImplementedError

    # The rest of a search's SQL.

    def date_order(self, sort: str) -> str:
        """ORDER BY over entries ``d`` that the date index answers: "date" oldest first, anything
        else newest first; undated entries count as the oldest (first, or last), ties by id."""
        raise NotImplementedError

    def ids_condition(self, column: str, value: int) -> tuple[str, list]:
        """Entry ``d``'s copy of ids in ``column`` ("clusters" or "commentators") holds ``value``:
        exact, where a token shared by remainder only narrows."""
        raise NotImplementedError

    def term_length(self, term: str) -> int:
        """A term's length in the unit length_function counts."""
        return len(term)

    def rank_columns(self, terms: tuple[str, ...] | list[str]) -> tuple[str, list]:
        """Two columns over entry ``d`` for ranking: the number of terms found in the title and
        headings, and the terms' occurrences (those in title and headings counting three times).

        Occurrences are (length of text - length of text without the term) / length of term.
        """
        find, length = self.find_function, self.length_function
        hits = [f"(CASE WHEN {find}(d.head, %s) > 0 THEN 1 ELSE 0 END)" for _ in terms]
        occurrences = [
            f"(({length}(d.head) - {length}(replace(d.head, %s, ''))) * 3"
            f" + {length}(d.body) - {length}(replace(d.body, %s, ''))) / {int(self.term_length(term))}"
            for term in terms
        ]
        params = list(terms) + [t for term in terms for t in (term, term)]
        return f"{' + '.join(hits)}, {' + '.join(occurrences)}", params

    def statistics(self) -> dict:
        """The planner's statistics on the index table: ``total``, its row estimate; ``dates``,
        the histogram of publication times (ascending quantiles); ``freqs``, the share of
        entries holding each common token code, and ``floor``, the share below which a code is
        not listed. Empty where the database keeps none (or before the first ANALYZE)."""
        return {"total": 0, "dates": [], "freqs": {}, "floor": 0.0}

    def steer_planner(self, cursor, *, bitmap: bool) -> None:
        """Before a search query: ``bitmap`` when it leads with the token index."""

    def time_limit(self, timeout_ms: int) -> contextlib.AbstractContextManager:
        """A context in which a search's statements stop after ``timeout_ms`` (where the database can)."""
        return contextlib.nullcontext()

    def is_timeout(self, exc: Exception) -> bool:
        """Whether a database error is the statement timeout of time_limit()."""
        return False


@functools.cache
def _backend_for(vendor: str) -> SearchBackend:
    # Imported here: both modules build on this one.
    from search.backends.postgres import PostgresBackend
    from search.backends.sqlite import SqliteBackend

    if vendor == "postgresql":
        return PostgresBackend()
    if vendor == "sqlite":
        return SqliteBackend()
    raise NotImplementedError(f"全文检索不支持数据库 {vendor}")


def get_backend(conn=None) -> SearchBackend:
    """The backend for the database of ``conn`` (the default connection), with its default
    settings; backends hold no state, so one per database serves every caller."""
    return _backend_for((conn or connection).vendor)
