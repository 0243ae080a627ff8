"""Read queries: what the site, the feeds, the sitemap, search, exports and the API read.

Everything here that a reader can reach goes through the one visibility rule in articles.models
(visible(), visible_condition(), is_visible). Views, feeds and the search app call these instead
of writing their own queries, so a change to what a list shows is made once.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Left
from django.utils import timezone

from articles.models import Article, Issue, PageRegion, Section, visible_condition
from articles.text import EXCERPT_FETCH_CHARS
from clusters.models import Cluster

# Rights that open every article in the admin: the review levels and the archivists' filing right.
SEE_ALL_PERMISSIONS = (
    "articles.review_first",
    "articles.review_second",
    "articles.review_final",
    "articles.edit_metadata",
)


def can_see_all_articles(user) -> bool:
    """Reporters see their own pieces only; desks, the editor-in-chief and archivists see all."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.is_superuser or any(user.has_perm(perm) for perm in SEE_ALL_PERMISSIONS)


def articles_for(user) -> QuerySet[Article]:
    """The articles a person may read anywhere (search, exports, the API): what readers see, plus
    what the article admin lists for them — never more because the account is staff."""
    if can_see_all_articles(user):
        return Article.objects.all()
    if user.is_authenticated and user.is_active and user.is_staff and user.has_perm("articles.view_article"):
        return Article.objects.filter(visible_condition() | Q(created_by=user))
    return Article.objects.visible()


def may_see_unpublished(user) -> bool:
    """Whether articles_for(user) can hold anything readers cannot see (its pages are private)."""
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm("articles.view_article"))


def visible_listing():
    """Visible articles with what a list shows: issue and page, and a short excerpt of the lead."""
    return Article.objects.visible().for_listing().annotate(excerpt=Left("lead", EXCERPT_FETCH_CHARS))


def issues_with_visible_articles():
    """Issues a reader may open: those with at least one visible article.

    An uncorrelated IN rather than EXISTS per issue: without table statistics SQLite's planner
    runs a correlated EXISTS through the status index once per issue (a minute at 20,000
    articles), while the set of issue ids is one pass over the visible articles.
    """
    on_pages = Article.objects.visible().filter(page__isnull=False)
    return Issue.objects.filter(pk__in=on_pages.values("page__issue_id"))


def issue_years() -> list[int]:
    """The years with an issue a reader may open, newest first (the issue calendar's years).

    On PostgreSQL each year from the first issue's to the last's looks for its first issue with a
    visible article (a LATERAL subquery that stops there; a year without issues is one probe of
    the date index), 1 ms in all at a million articles. Listing the years of every issue with a
    visible article probed each of its 27,000 issues (150 ms); the planner does that too when
    the years are tested with an EXISTS. SQLite computes the uncorrelated set of issues with a
    visible article once, so there that one pass serves all the years.
    """
    if connection.vendor != "postgresql":
        return [d.year for d in issues_with_visible_articles().dates("date", "year", order="DESC")]
    on_it = Article.objects.visible().filter(page__issue=OuterRef("pk")).order_by()
    # "SELECT id FROM issue WHERE EXISTS (…)": no ORDER BY or LIMIT, so more conditions can follow.
    opened_sql, params = Issue.objects.filter(Exists(on_it)).order_by().values("pk").query.sql_with_params()
    issues = connection.ops.quote_name(Issue._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT y FROM generate_series((SELECT EXTRACT(YEAR FROM MIN(date))::int FROM {issues}), "
            f"(SELECT EXTRACT(YEAR FROM MAX(date))::int FROM {issues})) AS y, "
            f"LATERAL ({opened_sql} AND {issues}.date >= make_date(y, 1, 1) "
            f"AND {issues}.date < make_date(y + 1, 1, 1) LIMIT 1) AS first_opened ORDER BY y DESC",
            params,
        )
        return [row[0] for row in cursor.fetchall()]


def commentaries(commentator=None):
    """Sections a commentator wrote in visible articles, newest first, without the body text.

    All commentators' come in the order of their articles' publication (the database walks the
    newest articles); one ``commentator``'s in the order of the copy of it on the sections
    (Section.article_published_at), which their index holds: the same order, read in order.
    """
    sections = (
        Section.objects.filter(visible_condition("article__"), commentator__isnull=False)
        .select_related("commentator", "article__page__issue")
        .defer("body", "article__lead")
        .annotate(excerpt=Left("body", EXCERPT_FETCH_CHARS))
    )
    if commentator is None:
        return sections.order_by("-article__published_at", "-article_id", "position")
    return sections.filter(commentator=commentator).order_by("-article_published_at", "-article_id", "position")


def issue_articles(issue) -> list:
    """The visible articles of an issue in print order, with what a list shows.

    An issue holds a few dozen articles: they are read through the page index and filtered with
    is_visible here, so the plan does not depend on the database's statistics (SQLite without
    ANALYZE would otherwise walk the status index over the whole archive).
    """
    in_issue = (
        Article.objects.for_listing()
        .annotate(excerpt=Left("lead", EXCERPT_FETCH_CHARS))
        .filter(page__issue=issue)
        .order_by("page__number", "position", "pk")
    )
    return [a for a in in_issue if a.is_visible]


# Articles as JSON records -----------------------------------------------------------------------
# DESIGN.md's article schema plus id, url, status, time, issue, page and tags. The records import
# back unchanged: export → import into an empty database → export gives the same lines apart from
# ``id`` and ``url``.


def export_queryset(queryset: QuerySet[Article] | None = None) -> QuerySet[Article]:
    """Everything a record needs, fetched in a constant number of queries per chunk."""
    queryset = Article.objects.all() if queryset is None else queryset
    return queryset.with_people().prefetch_related(
        Prefetch("clusters", queryset=Cluster.objects.order_by("position")),
        "tags",
    )


def credit_groups(credits) -> list[dict]:
    """Consecutive credits with the same role make one group, in print order."""
    groups: list[dict] = []
    for credit in credits:
        if groups and groups[-1]["role"] == credit.role:
            groups[-1]["names"].append(credit.contributor.name)
        else:
            groups.append({"role": credit.role, "names": [credit.contributor.name]})
    return groups


def article_record(article: Article) -> dict:
    """One article as a JSON-ready dict; use on articles from export_queryset() to avoid extra queries."""
    page = article.page
    issue = page.issue if page else None
    published_at = timezone.localtime(article.published_at).isoformat() if article.published_at else None
    return {
        "id": article.pk,
        "url": article.get_absolute_url(),
        "status": article.status,
        "published_at": published_at,
        "issue_date": issue.date.isoformat() if issue else None,
        "issue_number": issue.number if issue else None,
        "page": {"number": page.number, "name": page.name} if page else None,
        "tags": sorted(tag.name for tag in article.tags.all()),
        "title": article.title,
        "kicker": article.kicker or None,
        "subtitle": article.subtitle or None,
        "credits": credit_groups(article.credits.all()),
        "lead": article.lead_paragraphs,
        "sections": [
            {
                "heading": section.heading,
                "commentator": (
                    {
                        "title": section.commentator_title,
                        "name": section.commentator.name,
                    }
                    if section.commentator
                    else None
                ),
                "paragraphs": section.paragraphs,
            }
            for section in article.sections.all()
        ],
        "clusters": [cluster.name for cluster in article.clusters.all()],
    }


def with_regions(queryset: QuerySet[Article]) -> QuerySet[Article]:
    """Articles with their page regions (the e-paper) for region_records(), in one more query."""
    regions = PageRegion.objects.select_related("page__issue").order_by(
        "page__issue__date", "page__number", "position", "pk"
    )
    return queryset.prefetch_related(Prefetch("page_regions", queryset=regions))


def region_records(article: Article) -> list[dict]:
    """Where the article stands on printed pages: ``[{"page": {"date", "number"}, "polygon"}]``;
    use on articles from with_regions(). ``import_articles`` recreates them from a record."""
    return [
        {
            "page": {"date": region.page.issue.date.isoformat(), "number": region.page.number},
            "polygon": region.polygon,
        }
        for region in article.page_regions.all()
    ]


def iter_article_records(
    queryset: QuerySet[Article] | None = None, chunk_size: int = 500, *, regions: bool = False
) -> Iterator[dict]:
    """Stream records in id order, prefetching one chunk at a time so memory stays flat.

    ``regions``: each record also lists the article's page regions (``export_articles`` does).
    """
    queryset = (Article.objects.all() if queryset is None else queryset).order_by("pk")
    last_pk = 0
    while True:
        chunk = export_queryset(queryset.filter(pk__gt=last_pk))
        chunk = list((with_regions(chunk) if regions else chunk)[:chunk_size])
        if not chunk:
            return
        for article in chunk:
            record = article_record(article)
            if regions:
                record["regions"] = region_records(article)
            yield record
        last_pk = chunk[-1].pk
