"""Articles with everything their page shows, read in one query on PostgreSQL.

The article page needs the article, its page and issue, sections with their commentators,
credits with their contributors, photos with their photographers, tags and clusters. Through
the ORM that is an article query and five prefetch queries, and building those six queries
costs more CPU than running them (about 4 ms a page, most of an uncached article page's time).
On PostgreSQL one query returns the whole article as JSON (``json_build_object`` with a
``json_agg`` per relation); the rows are turned into model instances with ``Model.from_db`` and
set where the ORM's own prefetching would have put them, so templates and helpers see ordinary
instances and ``prefetch_related_objects`` finds nothing left to do. Other databases take the
ORM's path; both give the same instances (tests/site/test_article_loading.py).

The SQL is generated from the models' fields, so a new field is read without touching this
module; each relation's order is the ORM's default ordering for it.
"""

from __future__ import annotations

import json

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import prefetch_related_objects
from taggit.models import Tag, TaggedItem

from articles.models import Article, Commentator, Contributor, Credit, Issue, Page, Photo, Section, detail_prefetches
from clusters.models import Cluster


def load_for_page(pks) -> dict[int, Article]:
    """{pk: article} with page, issue and every relation the article page shows already loaded.

    Articles that do not exist are left out; visibility is the caller's business.
    """
    pks = [int(pk) for pk in pks]
    if not pks:
        return {}
    if connection.vendor != "postgresql":
        articles = list(Article.objects.select_related("page__issue").filter(pk__in=pks))
        prefetch_related_objects(articles, *detail_prefetches())
        return {a.pk: a for a in articles}
    with connection.cursor() as cursor:
        cursor.execute(_article_sql(), [ContentType.objects.get_for_model(Article).pk, pks])
        rows = cursor.fetchall()
    return {article.pk: article for article in (_article_from(_decoded(row[0])) for row in rows)}


def _decoded(value):
    return json.loads(value) if isinstance(value, str) else value  # psycopg decodes json unless told not to


# --- SQL ---------------------------------------------------------------------------------------


def _columns(model, alias: str) -> str:
    """json_build_object arguments for every concrete column of a model."""
    return ", ".join(
        f"'{f.column}', {alias}.{connection.ops.quote_name(f.column)}" for f in model._meta.concrete_fields
    )


def _object(model, alias: str) -> str:
    return f"json_build_object({_columns(model, alias)})"


def _nullable_object(model, alias: str) -> str:
    return f"CASE WHEN {alias}.id IS NULL THEN NULL ELSE {_object(model, alias)} END"


def _order(model, alias: str) -> str:
    """The model's default ordering as SQL over one table (relations in it are skipped)."""
    terms = []
    for name in model._meta.ordering:
        descending = name.startswith("-")
        name = name.lstrip("-")
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        if field.is_relation:  # "article" in Section's ordering: constant within one article
            continue
        terms.append(f"{alias}.{connection.ops.quote_name(field.column)}{' DESC' if descending else ''}")
    return ", ".join([*terms, f"{alias}.id"])


def _article_sql() -> str:
    q = connection.ops.quote_name
    relations = {
        "sections": f"""SELECT json_agg(json_build_object('row', {_object(Section, "s")},
                                 'commentator', {_nullable_object(Commentator, "sc")}) ORDER BY {_order(Section, "s")})
              FROM {q(Section._meta.db_table)} s
              LEFT JOIN {q(Commentator._meta.db_table)} sc ON sc.id = s.commentator_id
             WHERE s.article_id = a.id""",
        "credits": f"""SELECT json_agg(json_build_object('row', {_object(Credit, "c")},
                                 'contributor', {_object(Contributor, "cc")}) ORDER BY {_order(Credit, "c")})
              FROM {q(Credit._meta.db_table)} c
              JOIN {q(Contributor._meta.db_table)} cc ON cc.id = c.contributor_id
             WHERE c.article_id = a.id""",
        "photos": f"""SELECT json_agg(json_build_object('row', {_object(Photo, "ph")},
                                 'photographer', {_nullable_object(Contributor, "pc")}) ORDER BY {_order(Photo, "ph")})
              FROM {q(Photo._meta.db_table)} ph
              LEFT JOIN {q(Contributor._meta.db_table)} pc ON pc.id = ph.photographer_id
             WHERE ph.article_id = a.id""",
        # Tags in the order they were given (the ORM's prefetch has no order of its own).
        "tags": f"""SELECT json_agg({_object(Tag, "t")} ORDER BY ti.id)
              FROM {q(TaggedItem._meta.db_table)} ti
              JOIN {q(Tag._meta.db_table)} t ON t.id = ti.tag_id
             WHERE ti.content_type_id = %s AND ti.object_id = a.id""",
        "clusters": f"""SELECT json_agg({_object(Cluster, "cl")} ORDER BY {_order(Cluster, "cl")})
              FROM {q(Article.clusters.through._meta.db_table)} ac
              JOIN {q(Cluster._meta.db_table)} cl ON cl.id = ac.cluster_id
             WHERE ac.article_id = a.id""",
    }
    parts = ", ".join(f"'{name}', ({sql})" for name, sql in relations.items())
    return f"""
SELECT json_build_object('row', {_object(Article, "a")}, 'page', {_nullable_object(Page, "p")},
                         'issue', {_nullable_object(Issue, "i")}, {parts})
  FROM {q(Article._meta.db_table)} a
  LEFT JOIN {q(Page._meta.db_table)} p ON p.id = a.page_id
  LEFT JOIN {q(Issue._meta.db_table)} i ON i.id = p.issue_id
 WHERE a.id = ANY(%s)
"""


# --- instances ---------------------------------------------------------------------------------


def _instance(model, data: dict):
    """A model instance as the ORM would have read it from the database."""
    fields = model._meta.concrete_fields
    values = []
    for field in fields:
        value = data.get(field.column)
        if value is not None and not isinstance(field, models.JSONField):
            value = field.to_python(value)  # JSON text → datetime, date; numbers and text stay
        values.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], values)


def _set_related(instance, name: str, related) -> None:
    instance._meta.get_field(name).set_cached_value(instance, related)


def _set_prefetched(instance, name: str, items: list) -> None:
    """Store items where prefetch_related() would have, so manager.all() answers from them."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = items
    queryset._prefetch_done = True
    instance._prefetched_objects_cache[name] = queryset


def _article_from(data: dict) -> Article:
    article = _instance(Article, data["row"])
    page = _instance(Page, data["page"]) if data["page"] else None
    if page is not None:
        _set_related(page, "issue", _instance(Issue, data["issue"]))
    _set_related(article, "page", page)
    article._prefetched_objects_cache = {}

    # (relation, model, the relation's own foreign key held in the JSON, its model)
    for name, model, key, related_model in (
        ("sections", Section, "commentator", Commentator),
        ("credits", Credit, "contributor", Contributor),
        ("photos", Photo, "photographer", Contributor),
    ):
        items = []
        for item in data[name] or []:
            instance = _instance(model, item["row"])
            _set_related(instance, key, _instance(related_model, item[key]) if item[key] else None)
            _set_related(instance, "article", article)
            items.append(instance)
        _set_prefetched(article, name, items)
    _set_prefetched(article, "tags", [_instance(Tag, t) for t in data["tags"] or []])
    _set_prefetched(article, "clusters", [_instance(Cluster, c) for c in data["clusters"] or []])
    return article
