"""Print articles as JSON Lines in the import format."""

import json

from django.core.management.base import BaseCommand
from django.db.models import Q

from articles.management.commands._dates import day_argument
from articles.models import Article
from articles.selectors import iter_article_records

iso_date = day_argument("--since 日期")


class Command(BaseCommand):
    help = "导出稿件为 JSON Lines（每行一篇），可再用 import_articles 导入。"

    def add_arguments(self, parser):
        parser.add_argument("--status", choices=Article.Status.values, help="只导出这一状态的稿件")
        parser.add_argument(
            "--since",
            type=iso_date,
            help="只导出这一天（YYYY-MM-DD）及以后见报或发布的稿件",
        )

    def handle(self, *args, status=None, since=None, **options):
        articles = Article.objects.all()
        if status:
            articles = articles.filter(status=status)
        if since:
            articles = articles.filter(Q(page__issue__date__gte=since) | Q(published_at__date__gte=since))
        # With each article's page regions (the e-paper), which import_articles recreates.
        for record in iter_article_records(articles, regions=True):
            self.stdout.write(json.dumps(record, ensure_ascii=False))
