import time

from django.core.management.base import BaseCommand, CommandError

from articles.demo.archive import generate_archive
from hengyang_cms.progress import ProgressBar


class Command(BaseCommand):
    help = "生成合成的往期报纸稿件（用于检索基准测试）：同一 seed 结果相同，重复运行不重复创建。"

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, required=True, help="稿件篇数")
        parser.add_argument("--seed", type=int, default=1, help="随机种子（默认 1）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, articles, seed, no_progress, **options):
        if articles < 1:
            raise CommandError("--articles 必须是正整数。")
        bar = ProgressBar(articles, self.stderr, label="生成稿件", enabled=not no_progress)
        started = time.perf_counter()
        created = generate_archive(articles=articles, seed=seed, progress=bar.advance)
        bar.finish()
        elapsed = time.perf_counter() - started
        rate = len(created) / elapsed if elapsed else 0
        self.stdout.write(
            f"生成完成：新建 {len(created)} 篇（seed={seed}），用时 {elapsed:.1f} 秒，每秒 {rate:.0f} 篇。"
        )
