import time

from django.core.management.base import BaseCommand

from articles.models import Article
from hengyang_cms.progress import ProgressBar
from search.indexing import rebuild_index


class Command(BaseCommand):
    help = "重建全文检索索引（显示进度）。可在网站运行时执行：重建期间检索照常可用。"

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, no_progress, **options):
        started = time.perf_counter()
        bar = ProgressBar(
            Article.objects.count(),
            self.stderr,
            label="重建索引",
            enabled=not no_progress,
        )
        count = rebuild_index(progress=bar.advance)
        bar.finish()
        elapsed = time.perf_counter() - started
        rate = count / elapsed if elapsed else 0
        self.stdout.write(f"索引重建完成：{count} 篇，用时 {elapsed:.1f} 秒，每秒 {rate:.0f} 篇。")
