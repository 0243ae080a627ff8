"""The SQLite backend: a contentless FTS5 table ``search_fts`` of token codes, keyed by article id.

SQLite has no arrays: an entry's tokens are written to FTS5 as a string of unsigned decimal
codes (the same tokens as on PostgreSQL, month, year, cluster, commentator and page tokens
included), and its cluster and commentator ids are kept as text, "3,5,8".

SQLite has no statement timeout: time_limit() installs a progress handler that interrupts the
statement running when the time is up (SQLite then raises "interrupted").
"""

from __future__ import annotations

import contextlib
import time

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from search import text
from search.backends import (
    ARTICLE_ID,
    DOC_TABLE,
    SearchBackend,
    chunks,
    entry_grams,
    index_row,
    stored_datetime,
    stored_ids,
)
from search.query import ParsedQuery

FTS_TABLE = "search_fts"


def id_text(ids) -> str:
    """Ids as SQLite keeps them on an entry (it has no arrays): "3,5,8"."""
    return ",".join(map(str, ids))


class SqliteBackend(SearchBackend):
    vendor = "sqlite"
    epoch_sql = "(julianday(d.published_at) - 2440587.5) * 86400.0"
    find_function = "instr"
    length_function = "length"

    # Writing entries.

    def _old_tokens(self, cursor, article_ids: list[int]) -> list[tuple[int, str]]:
        # The FTS table is contentless (it keeps no copy of the token text, which would
        # double the database); removing an entry takes the tokens it was written with,
        # which are recomputed from the stored normalised text, date and clusters.
        found = []
        for start in range(0, len(article_ids), 500):
            chunk = article_ids[start : start + 500]
            cursor.execute(
                f"SELECT article_id, head, body, status, published_at, clusters, commentators, page FROM {DOC_TABLE} "
                f"WHERE article_id IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )
            for aid, head, body, status, published_at, clusters, commentators, page in cursor.fetchall():
                row = (aid, head, body, status, published_at, stored_ids(clusters), stored_ids(commentators), page)
                found.append((aid, self._token_string(row)))
        return found

    @staticmethod
    def _token_string(row: tuple) -> str:
        # Unsigned decimal codes are plain words to any FTS5 tokenizer, which would split our
        # tokens' punctuation and spaces. Order is irrelevant: detail=none keeps no positions.
        row = (*row[:4], stored_datetime(row[4]), *row[5:])  # rows carry the text Django stores
        return " ".join(map(str, entry_grams(row, signed=False).tolist()))

    def _remove(self, cursor, article_ids: list[int]) -> None:
        old = self._old_tokens(cursor, article_ids)
        if old:
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, tokens) VALUES ('delete', %s, %s)",
                old,
            )
            cursor.executemany(
                f"DELETE FROM {DOC_TABLE} WHERE article_id = %s",
                [(aid,) for aid, _ in old],
            )

    def upsert(self, cursor, rows: list[tuple]) -> None:
        if not rows:
            return
        self._remove(cursor, [r[0] for r in rows])
        self._insert(cursor, rows)

    def _insert(self, cursor, rows: list[tuple], *, suffix: str = "") -> None:
        cursor.executemany(
            f"INSERT INTO {DOC_TABLE}{suffix} (article_id, head, body, status, published_at, clusters, commentators, page) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [(*row[:5], id_text(row[5]), id_text(row[6]), row[7]) for row in rows],
        )
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE}{suffix} (rowid, tokens) VALUES (%s, %s)",
            [(row[0], self._token_string(row)) for row in rows],
        )

    def delete(self, cursor, article_ids: list[int]) -> None:
        if article_ids:
            self._remove(cursor, list(article_ids))

    def rebuild(self, ids: list[int], fetch, *, chunk_size: int, progress=None) -> None:
        """Fill fresh tables and swap them in, as on PostgreSQL.

        Fresh tables also mean no old entry has to be removed from FTS5 by its tokens, which
        would be wrong if the tokenizer changed since it was written.
        """
        suffix = "_rebuild"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE (name = %s OR name = %s "
                "OR (type = 'index' AND tbl_name = %s)) AND sql IS NOT NULL",
                [DOC_TABLE, FTS_TABLE, DOC_TABLE],
            )
            schema = cursor.fetchall()
            tables = [(name, sql) for kind, name, sql in schema if kind == "table"]
            indexes = [sql for kind, name, sql in schema if kind == "index"]
            for name, sql in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {name}{suffix}")
                cursor.execute(sql.replace(name, name + suffix, 1))
        for chunk in chunks(ids, chunk_size):
            rows = [index_row(raw) for raw in fetch(chunk)[0]]
            with transaction.atomic(), connection.cursor() as cursor:
                self._insert(cursor, rows, suffix=suffix)
            if progress:
                progress(len(chunk))
        with transaction.atomic(), connection.cursor() as cursor:
            for name, _sql in tables:
                cursor.execute(f"DROP TABLE {name}")
                cursor.execute(f"ALTER TABLE {name}{suffix} RENAME TO {name}")
            for sql in indexes:
                cursor.execute(sql)

    def clear(self, cursor) -> None:
        cursor.execute(f"DELETE FROM {DOC_TABLE}")
        cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('delete-all')")

    def finish_rebuild(self) -> None:
        # Fresh statistics let the planner see that the index narrows a search far more than
        # the status filter does: SQLite keeps none until ANALYZE runs.
        self._analyze()

    def finish_bulk_load(self, rebuild) -> None:
        """The load's chunks were indexed as they came: only the planner's statistics are stale."""
        self._analyze()

    @staticmethod
    def _analyze() -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    # Matching.

    def _fts(self, term: str) -> str:
        return " AND ".join(map(str, text.term_codes(term, signed=False)))

    @staticmethod
    def _substring(term: str) -> tuple[str, list]:
        return "(instr(d.head, %s) > 0 OR instr(d.body, %s) > 0)", [term, term]

    def doc_match(
        self, parsed: ParsedQuery, *, use_index: bool = True, all_tokens=(), any_tokens=()
    ) -> tuple[list[str], list]:
        """See SearchBackend.doc_match: the terms' tokens, the cluster's and any of the window's
        month and year tokens make one FTS5 query."""
        conditions, params = [], []
        if use_index:
            positive = [self._fts(t) for t in parsed.include if text.term_codes(t, signed=False)]
            positive += [str(token) for token in all_tokens]
            if any_tokens:
                positive.append("(" + " OR ".join(map(str, any_tokens)) + ")")
            if positive:
                conditions.append(f"d.article_id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)")
                params.append(" AND ".join(positive))
        for term in parsed.include:
            if not use_index or text.needs_substring_check(term) or not text.term_codes(term):
                sql, p = self._substring(term)
                conditions.append(sql)
                params += p
        for term in parsed.exclude:
            sql, p = self._substring(term)
            conditions.append(f"NOT {sql}")
            params += p
        return conditions, params

    def match_sql(self, parsed: ParsedQuery, *, use_index: bool = True) -> tuple[str, list]:
        # The FTS5 lookup stands alone (not inside a correlated subquery) so SQLite computes
        # the matching ids once and fetches those articles by primary key, rather than
        # testing every visible article.
        conditions, params = [], []
        positive = [self._fts(t) for t in parsed.include if text.term_codes(t, signed=False)]
        if positive:
            conditions.append(f"{ARTICLE_ID} IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)")
            params.append(" AND ".join(positive))
        checks, check_params = [f"d.article_id = {ARTICLE_ID}"], []
        for term in parsed.include:
            if text.needs_substring_check(term) or not text.term_codes(term):
                sql, p = self._substring(term)
                checks.append(sql)
                check_params += p
        for term in parsed.exclude:
            if text.needs_substring_check(term) or not text.term_codes(term):
                sql, p = self._substring(term)
                checks.append(f"NOT {sql}")
                check_params += p
            else:
                conditions.append(f"{ARTICLE_ID} NOT IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)")
                params.append(self._fts(term))
        conditions.append(f"EXISTS (SELECT 1 FROM {DOC_TABLE} d WHERE {' AND '.join(checks)})")
        return " AND ".join(conditions), params + check_params

    # The rest of a search's SQL.

    def date_order(self, sort: str) -> str:
        # SQLite orders NULL first ascending and last descending without being told.
        return "d.published_at ASC, d.article_id ASC" if sort == "date" else "d.published_at DESC, d.article_id DESC"

    def ids_condition(self, column: str, value: int) -> tuple[str, list]:
        return f"instr(',' || d.{column} || ',', %s) > 0", [f",{value},"]

    # How often (in SQLite virtual machine instructions) the progress handler looks at the clock:
    # a few hundred times a second on a busy statement, a negligible cost.
    progress_every: int = 20_000

    @contextlib.contextmanager
    def time_limit(self, timeout_ms: int):
        """Interrupt any statement still running ``timeout_ms`` after entering (nested limits
        keep the earliest deadline; the outer one is restored on leaving)."""
        wrapper = connections[DEFAULT_DB_ALIAS]  # this thread's, not the shared proxy
        wrapper.ensure_connection()
        raw = wrapper.connection
        if not hasattr(wrapper, "_search_deadlines"):
            wrapper._search_deadlines = []
        deadlines = wrapper._search_deadlines
        deadline = time.monotonic() + timeout_ms / 1000
        if deadlines:
            deadline = min(deadline, deadlines[-1])
        deadlines.append(deadline)
        raw.set_progress_handler(lambda: time.monotonic() > deadline, self.progress_every)
        try:
            yield
        finally:
            deadlines.pop()
            if deadlines:
                outer = deadlines[-1]
                raw.set_progress_handler(lambda: time.monotonic() > outer, self.progress_every)
            else:
                raw.set_progress_handler(None, 0)

    def is_timeout(self, exc: Exception) -> bool:
        return "interrupted" in str(exc)
