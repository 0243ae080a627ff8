"""manage.py restore FOLDER [--force] [--no-media]: a backup made by `backup`, into an empty database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "从 backup 命令写下的目录恢复数据库和媒体文件：先核对校验和，只恢复到空数据库"
        "（--force 先清空目标库），恢复后逐表核对行数。"
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", help="backup 命令写下的目录（含 manifest.json）")
        parser.add_argument(
            "--force",
            action="store_true",
            help="目标数据库不是空的也恢复：先删除其中全部表和数据（不可撤销）；已存在但内容不同的媒体文件也被覆盖",
        )
        parser.add_argument("--no-media", action="store_true", help="只恢复数据库，不恢复媒体文件")

    def handle(self, *args, folder, force=False, no_media=False, verbosity=1, **options):
        say = self.stdout.write if verbosity >= 1 else (lambda message: None)
        try:
            restore(Path(folder), force=force, media=not no_media, say=say)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        say(f"恢复完成：{folder}")
