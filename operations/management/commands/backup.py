"""manage.py backup [FOLDER] [--no-media]: the database and the media, with a manifest (operations.backup)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from operations.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "备份数据库（PostgreSQL 用 pg_dump 自定义格式，SQLite 用在线备份）和全部媒体文件，"
        "并写下 manifest.json（时间、数据库、每张表的行数、校验和）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "folder",
            nargs="?",
            help="备份写入的新目录（默认 var/backups/hengyang-<时间>/）；已有内容的目录会被拒绝",
        )
        parser.add_argument("--no-media", action="store_true", help="只备份数据库，不打包媒体文件")

    def handle(self, *args, folder=None, no_media=False, verbosity=1, **options):
        if folder is None:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            folder = Path(settings.BASE_DIR) / "var" / "backups" / f"hengyang-{stamp}"
        say = self.stdout.write if verbosity >= 1 else (lambda message: None)
        try:
            manifest = backup(Path(folder), media=not no_media, say=say)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        say(f"备份完成：{folder}（{manifest['database']['vendor']}，{manifest['database']['bytes']} 字节）")
