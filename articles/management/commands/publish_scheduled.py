"""Marks scheduled articles whose time has come as published.

Readers already see them on time (visibility is computed in the query); this keeps the
recorded status true for lists, exports and the review trail. Safe to run as often as you like,
e.g. every minute from cron.
"""

from django.core.management.base import BaseCommand

from articles.workflow.services import publish_due


class Command(BaseCommand):
    help = "把发布时间已到的待发布稿件标记为已发布（可重复运行，适合每分钟由 cron 调用）。"

    def handle(self, *args, **options):
        count = publish_due()
        if options["verbosity"] >= 1:
            self.stdout.write(f"已发布 {count} 篇到点的待发布稿件。")
