"""Keeping the search index in step with the articles.

``index_articles(ids)`` (re)writes the entries of the given articles and removes those of
ids that no longer exist; it is idempotent and works in chunks. ``rebuild_index()`` rewrites
every entry into fresh tables.

Single saves are caught by model signals. They only note the article id; the index is written
once, after the transaction commits, so an admin save of an article with ten section and
credit inlines indexes the article once, with its final text, and a rolled-back save
indexes nothing.

Bulk writers (the importer, the synthetic archive) write rows without save() and announce
them with articles.signals instead: ``articles_written`` is indexed the same way, after the
commit, unless it is a chunk of a large load and the backend would rather build the whole
index once at the end (defers_bulk_indexing); at ``bulk_load_finished`` the backend either
rebuilds or, having indexed the chunks as they came, only refreshes the planner's statistics.
The articles app never imports search: connect_signals() (from SearchConfig.ready) subscribes.
"""

import datetime
from array import array
from collections.abc import Callable, Iterable

from django.db import connection, connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.utils import timezone

from articles.models import Article, Commentator, Contributor, Credit, Page, Section
from articles.signals import articles_written, bulk_load_finished
from search.backends import DOC_TABLE, SearchBackend, get_backend, index_row

CHUNK_SIZE = 500


def _fetch(chunk: list[int]) -> tuple[list[tuple], list[int]]:
    """The indexed fields of the articles in ``chunk`` as read, and the ids that no longer exist.

    A row is (id, head fields, body fields, status, published_at, cluster ids, commentator ids,
    page number);
    backends.index_row() normalises it into an index row.

    Plain tuples rather than model instances: building tens of thousands of instances per
    chunk would cost more than all the normalising and tokenising.
    """
    articles = (
        Article.objects.filter(pk__in=chunk)
        .order_by()
        .values_list("pk", "kicker", "title", "subtitle", "lead", "status", "published_at", "page__number")
    )
    heads: dict[int, list[str]] = {}
    bodies: dict[int, list[str]] = {}
    state: dict[int, tuple] = {}
    # Written with raw SQL by the backends, so stored the way Django itself stores a datetime
    # (on SQLite: naive UTC text, which compares correctly with what the ORM sends).
    adapt = connection.ops.adapt_datetimefield_value
    page_numbers: dict[int, str] = {}
    for pk, kicker, title, subtitle, lead, status, published_at, page_number in articles:
        heads[pk] = [kicker, title, subtitle]
        bodies[pk] = [lead]
        state[pk] = (status or "", adapt(published_at))
        page_numbers[pk] = page_number or ""
    names: dict[int, list[str]] = {pk: [] for pk in heads}
    commentator_ids: dict[int, set[int]] = {pk: set() for pk in heads}
    sections = (
        Section.objects.filter(article_id__in=chunk)
        .order_by("article_id", "position")
        .values_list("article_id", "heading", "body", "commentator_id", "commentator__name")
    )
    for article_id, heading, body, commentator_id, commentator in sections:
        if article_id in heads:
            heads[article_id].append(heading)
            bodies[article_id].append(body)
            if commentator:
                names[article_id].append(commentator)
                commentator_ids[article_id].add(commentator_id)
    credits = (
        Credit.objects.filter(article_id__in=chunk)
        .order_by("article_id", "position")
        .values_list("article_id", "contributor__name")
    )
    credit_names: dict[int, list[str]] = {pk: [] for pk in heads}
    for article_id, name in credits:
        if article_id in heads:
            credit_names[article_id].append(name)
    cluster_ids: dict[int, list[int]] = {pk: [] for pk in heads}
    links = (
        Article.clusters.through.objects.filter(article_id__in=chunk)
        .order_by("article_id", "cluster_id")
        .values_list("article_id", "cluster_id")
    )
    for article_id, cluster_id in links:
        if article_id in heads:
            cluster_ids[article_id].append(cluster_id)
    rows = [
        (
            pk,
            heads[pk],
            bodies[pk] + names[pk] + credit_names[pk],
            *state[pk],
            cluster_ids[pk],
            sorted(commentator_ids[pk]),
            page_numbers[pk],
        )
        for pk in sorted(heads)
    ]
    return rows, sorted(set(chunk) - set(heads))


def _rows(chunk: list[int]) -> tuple[list[tuple], list[int]]:
    """Index rows (see backends.index_row) of the articles in ``chunk``, and the ids that no longer exist."""
    raw, gone = _fetch(chunk)
    return [index_row(r) for r in raw], gone


def index_articles(article_ids: Iterable[int], *, chunk_size: int = CHUNK_SIZE) -> None:
    """Write the index entries of these articles; drop those of ids that are gone."""
    ids = sorted({int(i) for i in article_ids})
    backend = get_backend()
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        rows, gone = _rows(chunk)
        with transaction.atomic(), connection.cursor() as cursor:
            backend.delete(cursor, gone)
            backend.upsert(cursor, rows)


def rebuild_index(
    progress: Callable[[int], None] | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
    backend: SearchBackend | None = None,
) -> int:
    """Rebuild every entry; searches keep answering meanwhile. Returns the number of articles.

    The entries go into fresh tables (on PostgreSQL by binary COPY, and its GIN index is then
    built in one pass, many times faster than growing it row by row), which replace the old
    ones in a short transaction; articles saved meanwhile are indexed again after the swap.
    ``backend`` is get_backend() unless given (one with other settings).
    """
    backend = backend or get_backend()
    started = timezone.now()
    # Every id, 8 bytes each (a list of Python ints and the driver's rows for them took about
    # 100 MB more at a million articles), read through the database's cursor in batches.
    ids = array("q", Article.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=10_000))
    backend.rebuild(ids, _fetch, chunk_size=chunk_size, progress=progress)
    # Saved while the new tables were filling: their signal wrote to the old ones.
    changed = Article.objects.filter(updated_at__gte=started - datetime.timedelta(seconds=5))
    newer = Article.objects.filter(pk__gt=ids[-1]) if ids else Article.objects.all()
    index_articles(
        set(changed.values_list("pk", flat=True)) | set(newer.values_list("pk", flat=True)), chunk_size=chunk_size
    )
    backend.finish_rebuild()  # SQLite: ANALYZE (PostgreSQL's rebuild analysed its new table)
    return len(ids)


class _PendingBatch:
    """Article ids to index when the current transaction commits."""

    def __init__(self):
        self.ids: set[int] = set()
        self.done = False

    def flush(self):
        self.done = True
        ids, self.ids = self.ids, set()
        if ids:
            index_articles(ids)


def schedule(article_ids: Iterable[int]) -> None:
    """Index these articles after the current transaction commits (at once outside one)."""
    article_ids = [i for i in article_ids if i is not None]
    if not article_ids:
        return
    conn = transaction.get_connection()
    batch = getattr(conn, "_search_pending_batch", None)
    # A batch whose callback was dropped by a rollback, or already ran, starts afresh.
    registered = batch is not None and not batch.done and any(entry[1] == batch.flush for entry in conn.run_on_commit)
    if not registered:
        batch = _PendingBatch()
        conn._search_pending_batch = batch
        batch.ids.update(article_ids)
        transaction.on_commit(batch.flush)
    else:
        batch.ids.update(article_ids)


def _article_changed(sender, instance, **kwargs):
    schedule([instance.pk])


def _part_changed(sender, instance, **kwargs):
    schedule([instance.article_id])


def _person_renamed(sender, instance, created=False, **kwargs):
    if created:
        return
    if sender is Commentator:
        ids = Section.objects.filter(commentator=instance).values_list("article_id", flat=True)
    else:
        ids = Credit.objects.filter(contributor=instance).values_list("article_id", flat=True)
    schedule(set(ids))


def _page_renumbered(sender, instance, created=False, **kwargs):
    """Entries keep their page's number (and its token): a page renumbered (A04 to A05) rewrites
    those of its articles. A page saved for anything else (its image, its regions) rewrites none."""
    if created:
        return
    moved = Article.objects.filter(page=instance).exclude(search_document__page=instance.number)
    schedule(moved.values_list("pk", flat=True))


def _clusters_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Entries keep their article's cluster ids and tokens, so links count as edits."""
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            schedule([instance.pk])
    elif action == "pre_clear":
        # After the clear the cluster's former articles can no longer be found: note them now.
        instance._search_cleared_ids = list(instance.articles.values_list("pk", flat=True))
    elif action == "post_clear":
        schedule(getattr(instance, "_search_cleared_ids", []))
    elif action in ("post_add", "post_remove") and pk_set:
        schedule(pk_set)


def _articles_written(sender, article_ids, bulk_load=False, **kwargs):
    """Rows written without save() (articles.signals.articles_written): index them after the
    commit, unless a large load is under way and the backend indexes it at its end."""
    if bulk_load and get_backend().defers_bulk_indexing:
        return
    schedule(article_ids)


def _bulk_load_finished(sender, article_ids, **kwargs):
    """The end of a large load (articles.signals.bulk_load_finished): the backend decides,
    after the commit (and after the chunks scheduled before it)."""
    transaction.on_commit(lambda: get_backend().finish_bulk_load(rebuild_index))


# Migrations that change what the index holds (its tokens). Migrations import no application
# code, so the rebuild they need runs here, after `migrate` has applied one of them forwards.
REBUILD_AFTER_MIGRATIONS = {
    ("search", "0007_new_tokens"),
    ("search", "0008_filter_tokens"),
    ("search", "0009_quadgram_tokens"),
}


def _rebuild_after_token_migrations(sender, plan=None, using="default", **kwargs):
    if not plan or not any(
        (migration.app_label, migration.name) in REBUILD_AFTER_MIGRATIONS and not backwards
        for migration, backwards in plan
    ):
        return
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {DOC_TABLE} LIMIT 1")
        if cursor.fetchone() is None:
            return  # an empty index has nothing to rewrite
    rebuild_index()


def connect_signals(app_config=None):
    dispatch = "search.indexing"
    if app_config is not None:
        post_migrate.connect(
            _rebuild_after_token_migrations, sender=app_config, dispatch_uid=f"{dispatch}.after_migrate"
        )
    articles_written.connect(_articles_written, dispatch_uid=f"{dispatch}.articles_written")
    bulk_load_finished.connect(_bulk_load_finished, dispatch_uid=f"{dispatch}.bulk_load_finished")
    m2m_changed.connect(
        _clusters_changed,
        sender=Article.clusters.through,
        dispatch_uid=f"{dispatch}.clusters_changed",
    )
    # (receiver, signal, models): each model's saves or deletions change entries.
    receivers = [
        (_article_changed, post_save, [Article]),
        (_article_changed, post_delete, [Article]),
        (_part_changed, post_save, [Section, Credit]),
        (_part_changed, post_delete, [Section, Credit]),
        (_page_renumbered, post_save, [Page]),
        (_person_renamed, post_save, [Commentator, Contributor]),
    ]
    for receiver, signal, models in receivers:
        done = "saved" if signal is post_save else "deleted"
        for model in models:
            uid = f"{dispatch}.{model.__name__.lower()}_{done}"
            signal.connect(receiver, sender=model, dispatch_uid=uid)
