from django.db import models

from articles.models import Article


class SearchDocument(models.Model):
    """The normalised text of one article, as the search index sees it.

    ``head`` holds kicker, title, subtitle and section headings; ``body`` the lead, section
    text, commentator and credit names; fields are separated by a newline, which normalised
    text never contains. The index itself lives beside it: on PostgreSQL a ``grams`` column
    (int4[] of token codes, GIN-indexed), on SQLite the FTS5 table ``search_fts`` keyed by
    article id, both made by migrations and written by search/backends. The tokens are the
    text's unigrams, bigrams, and trigrams and quadgrams with a digit or Latin letter
    (search/text.py) plus the entry's publication month, year, clusters, commentators and page (search/extra_tokens.py).
    Matches longer than two units are confirmed against this text, so results are exact
    substring matches.

    Migrations also add ``clusters`` and ``commentators``, copies of the article's cluster and
    commentator ids (int4[] on PostgreSQL, "3,5,8" text on SQLite), which the cluster and
    commentator filters and the facet counts read; they are written with raw SQL only, so they are not fields here.
    """

    # No database constraint and no cascade: when an article is deleted its entry must
    # outlive it until the commit, because removing an FTS5 entry needs the tokens it was
    # written with, recomputed from its text, date and clusters. index_articles() then drops it.
    article = models.OneToOneField(
        Article,
        models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="search_document",
        verbose_name="稿件",
    )
    head = models.TextField("标题与小标题（规范化）", blank=True)
    body = models.TextField("正文与署名（规范化）", blank=True)
    # Copies of the article's status and publication time, so a search never has to join the
    # article table to decide visibility or order by date: it walks one index on this table.
    # index_articles() writes them with the text on every save, status change and import.
    # The newest-first index over them is made by migration 0004, per database.
    status = models.CharField("状态", max_length=16, blank=True, default="", db_default="")
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    # The article's page number (版次, as articles.Page.number), so a search limited to a page
    # tests the entry itself instead of joining articles and pages.
    page = models.CharField("版次", max_length=4, blank=True, default="", db_default="")

    class Meta:
        verbose_name = verbose_name_plural = "检索索引条目"

    def __str__(self):
        return f"检索索引 #{self.article_id}"
