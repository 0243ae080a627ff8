"""The two index backends: PostgreSQL (GIN over an int4[] of token codes) and SQLite (FTS5).

Both index the same tokens (character unigrams and bigrams of normalised text, see
search/text.py) and both confirm longer terms against the stored normalised text, so both
return exactly the articles that contain the query.

A backend answers two things: how to write and remove index entries, and an SQL condition
on ``articles_article`` that holds for articles matching a parsed query.
"""

import collections
import datetime
import multiprocessing

import numpy as np
from django.db import connection, transaction

from search import extra_tokens, pgcopy, text
from search.query import ParsedQuery

DOC_TABLE = "search_searchdocument"
GIN_INDEX = "search_document_grams_gin"
DATE_INDEX = "search_doc_published_idx"
FTS_TABLE = "search_fts"
STAGING_TABLE = "search_entries_incoming"
ARTICLE_ID = '"articles_article"."id"'


COLUMNS = "article_id, head, body, status, published_at, clusters, commentators, grams"
# Below this many rows a multi-row INSERT costs less than a COPY through a staging table.
COPY_THRESHOLD = 20


def entry_grams(row: tuple, *, signed: bool = True) -> np.ndarray:
    """The tokens of an index row: its text's, its publication month's and year's, its clusters'."""
    codes = text.token_array(row[1] + text.FIELD_SEPARATOR + row[2], signed=signed)
    extra = extra_tokens.entry_tokens(row[4], row[5])  # all positive: the same signed or not
    return np.concatenate((codes, np.asarray(extra, dtype=codes.dtype))) if extra else codes


def grams_literal(row: tuple) -> str:
    """An int4[] literal of the entry's token codes: cheaper to send than a list of ints."""
    return "{" + ",".join(map(str, entry_grams(row).tolist())) + "}"


def index_row(raw: tuple) -> tuple:
    """(id, head, body, status, published_at, cluster ids, commentator ids) from an article's
    fields as read (see indexing._fetch): its text normalised, fields joined."""
    pk, heads, bodies, *rest = raw
    return (pk, text.join_fields(heads), text.join_fields(bodies), *rest)


def copy_data(raw_rows: list[tuple]) -> bytes:
    """Binary COPY rows for articles' fields as read: the work a rebuild hands to its workers."""
    return b"".join(pgcopy.entry_row(*row, entry_grams(row)) for row in map(index_row, raw_rows))


def _copy_entries(cursor, table: str, rows: list[tuple]) -> None:
    """Write index rows into ``table`` by binary COPY."""
    _copy_bytes(cursor, table, b"".join(pgcopy.entry_row(*row, entry_grams(row)) for row in rows))


def _copy_bytes(cursor, table: str, data: bytes) -> None:
    with cursor.cursor.copy(f"COPY {table} ({COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(pgcopy.SIGNATURE + data + pgcopy.TRAILER)


# A rebuild of at least this many articles normalises and tokenises in worker processes
# while this one reads the next articles and writes by COPY, and the server stores them.
PARALLEL_FROM = 5000
REBUILD_WORKERS = 2


def _in_order(chunks, encode, *, parallel: bool):
    """(chunk, its COPY data) for each chunk, ``encode`` run ahead in workers when ``parallel``.

    Reading stays in this process (its database connection cannot cross a fork); at most
    REBUILD_WORKERS chunks are in flight, so memory stays bounded.
    """
    if not parallel:
        for chunk, raw in chunks:
            yield chunk, encode(raw)
        return
    # fork: the workers inherit the loaded code and never touch the database connection.
    with multiprocessing.get_context("fork").Pool(REBUILD_WORKERS) as pool:
        pending = collections.deque()
        for chunk, raw in chunks:
            pending.append((chunk, pool.apply_async(encode, (raw,))))
            if len(pending) > REBUILD_WORKERS:
                done, result = pending.popleft()
                yield done, result.get()
        while pending:
            done, result = pending.popleft()
            yield done, result.get()


def _chunks(ids: list[int], size: int):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


class PostgresBackend:
    vendor = "postgresql"

    def upsert(self, cursor, rows: list[tuple]) -> None:
        if not rows:
            return
        update = (
            "ON CONFLICT (article_id) DO UPDATE SET head = EXCLUDED.head, body = EXCLUDED.body, "
            "status = EXCLUDED.status, published_at = EXCLUDED.published_at, clusters = EXCLUDED.clusters, "
            "commentators = EXCLUDED.commentators, grams = EXCLUDED.grams"
        )
        if len(rows) < COPY_THRESHOLD:
            cursor.execute(
                f"INSERT INTO {DOC_TABLE} ({COLUMNS}) "
                f"VALUES {', '.join(['(%s, %s, %s, %s, %s, %s::int4[], %s::int4[], %s::int4[])'] * len(rows))} {update}",
                [value for row in rows for value in (*row, grams_literal(row))],
            )
            return
        # COPY cannot upsert: the rows go through a per-session staging table, emptied at commit.
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING_TABLE} "
            f"(LIKE {DOC_TABLE} INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION) ON COMMIT DELETE ROWS"
        )
        _copy_entries(cursor, STAGING_TABLE, rows)
        cursor.execute(f"INSERT INTO {DOC_TABLE} ({COLUMNS}) SELECT {COLUMNS} FROM {STAGING_TABLE} {update}")
        cursor.execute(f"TRUNCATE {STAGING_TABLE}")

    def delete(self, cursor, article_ids: list[int]) -> None:
        if article_ids:
            cursor.execute(
                f"DELETE FROM {DOC_TABLE} WHERE article_id = ANY(%s)",
                [list(article_ids)],
            )

    def rebuild(self, ids: list[int], fetch, *, chunk_size: int, progress=None) -> None:
        """Fill a fresh table, index it in one pass, swap it in (see indexing.rebuild_index)."""
        new = f"{DOC_TABLE}_rebuild"
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {new}")
            cursor.execute(
                f"CREATE TABLE {new} (LIKE {DOC_TABLE} INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION)"
            )
        chunks = ((chunk, fetch(chunk)[0]) for chunk in _chunks(ids, chunk_size))
        for chunk, data in _in_order(chunks, copy_data, parallel=len(ids) >= PARALLEL_FROM):
            if data:
                with transaction.atomic(), connection.cursor() as cursor:
                    _copy_bytes(cursor, new, data)
            if progress:
                progress(len(chunk))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute(f"ALTER TABLE {new} ADD CONSTRAINT {new}_pkey PRIMARY KEY (article_id)")
            cursor.execute(f"CREATE INDEX {new}_grams_gin ON {new} USING gin (grams)")
            cursor.execute(f"CREATE INDEX {new}_published ON {new} (published_at DESC NULLS LAST, article_id DESC)")
            cursor.execute(f"CREATE INDEX {new}_clusters_gin ON {new} USING gin (clusters)")
        with transaction.atomic(), connection.cursor() as cursor:
            # Searches wait for the lock for the moment the swap takes, then see the new table.
            cursor.execute(f"LOCK TABLE {DOC_TABLE} IN ACCESS EXCLUSIVE MODE")
            cursor.execute(f"DROP TABLE {DOC_TABLE}")
            cursor.execute(f"ALTER TABLE {new} RENAME TO {DOC_TABLE}")
            cursor.execute(f"ALTER INDEX {new}_pkey RENAME TO {DOC_TABLE}_pkey")
            cursor.execute(f"ALTER INDEX {new}_grams_gin RENAME TO {GIN_INDEX}")
            cursor.execute(f"ALTER INDEX {new}_published RENAME TO {DATE_INDEX}")
            cursor.execute(f"ALTER INDEX {new}_clusters_gin RENAME TO search_doc_clusters_gin")
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {DOC_TABLE} d WHERE NOT EXISTS (SELECT 1 FROM articles_article a WHERE a.id = d.article_id)"
            )
            cursor.execute(f"ANALYZE {DOC_TABLE}")

    def clear(self, cursor) -> None:
        cursor.execute(f"TRUNCATE {DOC_TABLE}")

    def _term_condition(self, term: str, *, use_index: bool) -> tuple[str, list]:
        parts, params = [], []
        codes = text.term_codes(term) if use_index else []
        if codes:
            parts.append("d.grams @> %s::int4[]")
            params.append(codes)
        if text.needs_substring_check(term) or not codes:
            parts.append("(strpos(d.head, %s) > 0 OR strpos(d.body, %s) > 0)")
            params += [term, term]
        return " AND ".join(parts), params

    def doc_match(
        self, parsed: ParsedQuery, *, use_index: bool = True, all_tokens=(), any_tokens=()
    ) -> tuple[list[str], list]:
        """Conditions on the index entry ``d`` alone, for queries that never touch the articles.

        ``all_tokens`` (a cluster's) and ``any_tokens`` (a window's months and years, see
        extra_tokens) join the terms' tokens in the same index scan. Without the index only the
        substring tests remain: exact, and what a walk along the date index uses, so the
        planner cannot swap that walk for a bitmap of every match.
        """
        conditions, params = [], []
        if use_index and all_tokens:
            conditions.append("d.grams @> %s::int4[]")
            params.append(list(all_tokens))
        if use_index and any_tokens:
            conditions.append("d.grams && %s::int4[]")
            params.append(list(any_tokens))
        for term in parsed.include:
            sql, p = self._term_condition(term, use_index=use_index)
            conditions.append(sql)
            params += p
        for term in parsed.exclude:
            sql, p = self._term_condition(term, use_index=False)
            conditions.append(f"NOT ({sql})")
            params += p
        return conditions, params

    def match_sql(self, parsed: ParsedQuery, *, use_index: bool = True) -> tuple[str, list]:
        term_conditions, params = self.doc_match(parsed, use_index=use_index)
        conditions = [f"d.article_id = {ARTICLE_ID}", *term_conditions]
        # Without the index (a walk over articles newest first, for very common terms) the
        # substring test alone decides: it is exact, and cheaper per row than array containment.
        # OFFSET 0 keeps the walk a walk: without it PostgreSQL may turn EXISTS into a join that
        # reads every entry of the index table instead of probing one entry per article.
        offset = "" if use_index else " OFFSET 0"
        return (
            f"EXISTS (SELECT 1 FROM {DOC_TABLE} d WHERE {' AND '.join(conditions)}{offset})",
            params,
        )


def id_text(ids) -> str:
    """Ids as SQLite keeps them on an entry (it has no arrays): "3,5,8"."""
    return ",".join(map(str, ids))


def stored_ids(value) -> list[int]:
    """An entry's cluster or commentator ids as read back: an int4[] on PostgreSQL, "3,5,8" on SQLite."""
    if isinstance(value, str):
        return [int(part) for part in value.split(",") if part]
    return value or []


def stored_datetime(value) -> datetime.datetime | None:
    """A datetime as read back by raw SQL (on SQLite the naive UTC text Django stores), made aware."""
    if not value:
        return None
    when = datetime.datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.replace(tzinfo=datetime.UTC) if when.tzinfo is None else when


class SqliteBackend:
    vendor = "sqlite"

    def _old_tokens(self, cursor, article_ids: list[int]) -> list[tuple[int, str]]:
        # The FTS table is contentless (it keeps no copy of the token text, which would
        # double the database); removing an entry takes the tokens it was written with,
        # which are recomputed from the stored normalised text, date and clusters.
        found = []
        for start in range(0, len(article_ids), 500):
            chunk = article_ids[start : start + 500]
            cursor.execute(
                f"SELECT article_id, head, body, status, published_at, clusters FROM {DOC_TABLE} "
                f"WHERE article_id IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )
            for aid, head, body, status, published_at, clusters in cursor.fetchall():
                found.append((aid, self._token_string((aid, head, body, status, published_at, stored_ids(clusters)))))
        return found

    @staticmethod
    def _token_string(row: tuple) -> str:
        # Unsigned decimal codes are plain words to any FTS5 tokenizer, which would split our
        # tokens' punctuation and spaces. Order is irrelevant: detail=none keeps no positions.
        row = (*row[:4], stored_datetime(row[4]), row[5])  # rows carry the text Django stores
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
            f"INSERT INTO {DOC_TABLE}{suffix} (article_id, head, body, status, published_at, clusters, commentators) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [(*row[:5], id_text(row[5]), id_text(row[6])) for row in rows],
        )
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE}{suffix} (rowid, tokens) VALUES (%s, %s)",
            [(row[0], self._token_string(row)) for row in rows],
        )

    def delete(self, cursor, article_ids: list[int]) -> None:
        if article_ids:
            self._remove(cursor, list(article_ids))

    def rebuild(self, ids: list[int], fetch, *, chunk_size: int, progress=None) -> None:
        """Fill fresh tables and swap them in, as on PostgreSQL (see indexing.rebuild_index).

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
        for chunk in _chunks(ids, chunk_size):
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

    def _fts(self, term: str) -> str:
        return " AND ".join(map(str, text.term_codes(term, signed=False)))

    @staticmethod
    def _substring(term: str) -> tuple[str, list]:
        return "(instr(d.head, %s) > 0 OR instr(d.body, %s) > 0)", [term, term]

    def doc_match(
        self, parsed: ParsedQuery, *, use_index: bool = True, all_tokens=(), any_tokens=()
    ) -> tuple[list[str], list]:
        """Conditions on the index entry ``d`` alone (see PostgresBackend.doc_match)."""
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


def get_backend(conn=None):
    conn = conn or connection
    if conn.vendor == "postgresql":
        return PostgresBackend()
    if conn.vendor == "sqlite":
        return SqliteBackend()
    raise NotImplementedError(f"全文检索不支持数据库 {conn.vendor}")
