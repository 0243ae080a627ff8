"""The PostgreSQL backend: an ``int4[]`` of token codes per entry under a GIN index.

Entries are written by INSERT, or for many at once by binary COPY (pgcopy.py); a rebuild fills
a fresh table and builds its indexes in one pass. Besides the GIN index on ``grams`` the table
has one on the copy of the cluster ids and a newest-first index on the publication time, which
date_order() follows.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
from dataclasses import dataclass

from django.db import connection, transaction

from search import text
from search.backends import ARTICLE_ID, DOC_TABLE, SearchBackend, chunks, entry_grams, index_row, pgcopy
from search.query import ParsedQuery

GIN_INDEX = "search_document_grams_gin"
DATE_INDEX = "search_doc_published_idx"
CLUSTERS_INDEX = "search_doc_clusters_gin"
STAGING_TABLE = "search_entries_incoming"
COLUMNS = "article_id, head, body, status, published_at, clusters, commentators, page, grams"
QUERY_CANCELED = "57014"  # the SQLSTATE of a statement stopped by statement_timeout


def grams_literal(row: tuple) -> str:
    """An int4[] literal of the entry's token codes: cheaper to send than a list of ints."""
    return "{" + ",".join(map(str, entry_grams(row).tolist())) + "}"


def copy_data(raw_rows: list[tuple]) -> bytes:
    """Binary COPY rows for articles' fields as read: the work a rebuild hands to its workers."""
    return b"".join(pgcopy.entry_row(*row, entry_grams(row)) for row in map(index_row, raw_rows))


def _copy_entries(cursor, table: str, rows: list[tuple]) -> None:
    """Write index rows into ``table`` by binary COPY."""
    _copy_bytes(cursor, table, b"".join(pgcopy.entry_row(*row, entry_grams(row)) for row in rows))


def _copy_bytes(cursor, table: str, data: bytes) -> None:
    with cursor.cursor.copy(f"COPY {table} ({COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(pgcopy.SIGNATURE + data + pgcopy.TRAILER)


def _in_order(chunk_data, encode, *, workers: int):
    """(chunk, its COPY data) for each chunk, ``encode`` run ahead in ``workers`` processes (none: here).

    Reading stays in this process (its database connection cannot cross a fork); at most
    ``workers`` chunks are in flight, so memory stays bounded.
    """
    if not workers:
        for chunk, raw in chunk_data:
            yield chunk, encode(raw)
        return
    # fork: the workers inherit the loaded code and never touch the database connection.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending = collections.deque()
        for chunk, raw in chunk_data:
            pending.append((chunk, pool.apply_async(encode, (raw,))))
            if len(pending) > workers:
                done, result = pending.popleft()
                yield done, result.get()
        while pending:
            done, result = pending.popleft()
            yield done, result.get()


@dataclass(frozen=True)
class PostgresBackend(SearchBackend):
    vendor = "postgresql"
    epoch_sql = "EXTRACT(EPOCH FROM d.published_at)::float8"
    # Bytes rather than characters: counting characters would cost a pass over the text.
    find_function = "strpos"
    length_function = "octet_length"
    # One pass over a fresh table builds the GIN index many times faster than growing it row
    # by row: a large load is indexed once, at its end, by a rebuild.
    defers_bulk_indexing = True

    # Below this many rows a multi-row INSERT costs less than a COPY through a staging table.
    copy_threshold: int = 20
    # A rebuild of at least this many articles normalises and tokenises in rebuild_workers
    # processes while this one reads the next articles and writes by COPY, and the server
    # stores them.
    parallel_from: int = 5000
    rebuild_workers: int = 2

    # Writing entries.

    def upsert(self, cursor, rows: list[tuple]) -> None:
        if not rows:
            return
        update = (
            "ON CONFLICT (article_id) DO UPDATE SET head = EXCLUDED.head, body = EXCLUDED.body, "
            "status = EXCLUDED.status, published_at = EXCLUDED.published_at, clusters = EXCLUDED.clusters, "
            "commentators = EXCLUDED.commentators, page = EXCLUDED.page, grams = EXCLUDED.grams"
        )
        if len(rows) < self.copy_threshold:
            cursor.execute(
                f"INSERT INTO {DOC_TABLE} ({COLUMNS}) "
                f"VALUES {', '.join(['(%s, %s, %s, %s, %s, %s::int4[], %s::int4[], %s, %s::int4[])'] * len(rows))} {update}",
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

    def clear(self, cursor) -> None:
        cursor.execute(f"TRUNCATE {DOC_TABLE}")

    def rebuild(self, ids: list[int], fetch, *, chunk_size: int, progress=None) -> None:
        """Fill a fresh table by COPY, index it in one pass, swap it in, analyse it."""
        new = f"{DOC_TABLE}_rebuild"
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {new}")
            cursor.execute(
                f"CREATE TABLE {new} (LIKE {DOC_TABLE} INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION)"
            )
        chunk_data = ((chunk, fetch(chunk)[0]) for chunk in chunks(ids, chunk_size))
        workers = self.rebuild_workers if len(ids) >= self.parallel_from else 0
        for chunk, data in _in_order(chunk_data, copy_data, workers=workers):
            if data:
                with transaction.atomic(), connection.cursor() as cursor:
                    _copy_bytes(cursor, new, data)
            if progress:
                progress(len(chunk))
        with transaction.atomic(), connection.cursor() as cursor:
            # At least 256 MB for the index builds, or more where the server or database is set
            # higher (a GIN build of a million entries takes minutes longer in less memory).
            cursor.execute(
                "SELECT set_config('maintenance_work_mem', '256MB', true) "
                "WHERE pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes('256MB')"
            )
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
            cursor.execute(f"ALTER INDEX {new}_clusters_gin RENAME TO {CLUSTERS_INDEX}")
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {DOC_TABLE} d WHERE NOT EXISTS (SELECT 1 FROM articles_article a WHERE a.id = d.article_id)"
            )
            # The new table's statistics; autovacuum keeps them from here on.
            cursor.execute(f"ANALYZE {DOC_TABLE}")

    def finish_bulk_load(self, rebuild) -> None:
        """The load's chunks went unindexed (defers_bulk_indexing): rebuild, which also analyses."""
        rebuild()

    # Matching.

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
        """See SearchBackend.doc_match. The token conditions make one GIN scan; the substring
        tests alone (``use_index=False``) keep a walk along the date index a walk, so the
        planner cannot swap it for a bitmap of every match."""
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

    # The rest of a search's SQL.

    def date_order(self, sort: str) -> str:
        # Spelled out as the date index is built (DESC NULLS LAST), so it reads either way round.
        if sort == "date":
            return "d.published_at ASC NULLS FIRST, d.article_id ASC"
        return "d.published_at DESC NULLS LAST, d.article_id DESC"

    def ids_condition(self, column: str, value: int) -> tuple[str, list]:
        # The entry's copy of the ids: cheap to test row by row (the clusters' also GIN-indexed).
        return f"d.{column} @> ARRAY[%s]::int4[]", [value]

    def term_length(self, term: str) -> int:
        return len(term.encode())

    def statistics(self) -> dict:
        found = super().statistics()
        with connection.cursor() as cursor:
            self.steer_planner(cursor, bitmap=False)
            cursor.execute(
                "SELECT reltuples::bigint, "
                f" (SELECT histogram_bounds::text::timestamptz[] FROM pg_stats WHERE tablename = '{DOC_TABLE}' AND attname = 'published_at'),"
                f" (SELECT most_common_elems::text::int4[] FROM pg_stats WHERE tablename = '{DOC_TABLE}' AND attname = 'grams'),"
                f" (SELECT most_common_elem_freqs FROM pg_stats WHERE tablename = '{DOC_TABLE}' AND attname = 'grams')"
                f" FROM pg_class WHERE relname = '{DOC_TABLE}'"
            )
            rows = cursor.fetchall()
        if rows:
            total, dates, elems, elem_freqs = rows[0]
            found.update(total=max(int(total), 0), dates=dates or [])
            if elems:
                found.update(
                    freqs=dict(zip(elems, elem_freqs, strict=False)),
                    floor=elem_freqs[len(elems)],  # the first of the three summary numbers: the minimum
                )
        return found

    def steer_planner(self, cursor, *, bitmap: bool) -> None:
        """Confine the rest of the transaction's search queries to bitmap scans, or free them.

        A GIN condition tested row by row (in a sequential scan or a walk along another index)
        unpacks each entry's whole token array, which costs more than anything else a search
        does; through a bitmap the index answers it without reading the arrays at all. The
        planner can't see that cost, so queries that lead with the index say so. Only inside
        a transaction (time_limit() opens one), where SET LOCAL ends with it.
        """
        if connection.in_atomic_block:
            flag = "off" if bitmap else "on"
            cursor.execute(f"SET LOCAL enable_seqscan = {flag}; SET LOCAL enable_indexscan = {flag}")

    @contextlib.contextmanager
    def time_limit(self, timeout_ms: int):
        with transaction.atomic():
            with connection.cursor() as cursor:
                # No JIT: compiling costs more than these short, index-bound queries run.
                cursor.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}; SET LOCAL jit = off")
            yield

    def is_timeout(self, exc: Exception) -> bool:
        return getattr(exc.__cause__, "sqlstate", None) == QUERY_CANCELED
