"""Import articles from text files in the paper's format and from exported JSON Lines."""

import functools
import json
import multiprocessing
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from articles.epaper.bulk import PageFileError, apply, read_page_files
from articles.importing.importer import ArticleImporter, ImportOptions
from articles.importing.parsing import ParsedArticle, ParseError, parse_file
from articles.management.commands._dates import day_argument
from articles.models import Article
from articles.selectors import article_record, export_queryset

SUFFIXES = (".txt", ".jsonl")


iso_date = day_argument("--date 出版日期", prefix="--date：")


def expand(paths: list[str]) -> list[Path]:
    """Files as given, folders as every .txt/.jsonl inside them, in name order."""
    files = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES))
        else:
            files.append(path)
    return files


def read_file(path: Path, encoding: str) -> tuple[str, list[ParsedArticle] | ParseError]:
    try:
        return str(path), parse_file(path.name, path.read_bytes(), encoding)
    except ParseError as error:
        return str(path), error
    except FileNotFoundError:
        return str(path), ParseError(1, "找不到这个文件")
    except IsADirectoryError:
        return str(path), ParseError(1, "这是文件夹，不是文件")
    except OSError as error:
        return str(path), ParseError(1, f"无法读取：{error.strerror}")


def read_files(
    paths: list[Path], encoding: str, workers: int = 0
) -> Iterator[tuple[str, list[ParsedArticle] | ParseError]]:
    """Parsed files in order; with workers, parsed in other processes while this one writes."""
    if workers < 2:
        for path in paths:
            yield read_file(path, encoding)
        return
    # fork: the workers only parse text, and the parent's database connection is closed
    # before forking so no child ever holds a copy of it.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(functools.partial(read_file, encoding=encoding), paths, chunksize=32)


def parse_workers(file_count: int) -> int:
    """Parse in parallel only for big runs outside a transaction (never inside a test's)."""
    if file_count < 500 or connection.in_atomic_block or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    connection.close()
    return os.cpu_count() or 1


class Progress:
    """A one-line progress bar on stderr, only when a person is watching a terminal."""

    def __init__(self, total: int, stream):
        self.total, self.stream, self.done = total, stream, 0
        self.enabled = total > 1 and hasattr(stream, "isatty") and stream.isatty()

    def step(self) -> None:
        self.done += 1
        if self.enabled and (self.done % 25 == 0 or self.done == self.total):
            width = 30
            filled = width * self.done // self.total
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} 个文件")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")


class Command(BaseCommand):
    help = (
        "导入稿件：报纸文本格式（.txt）或导出的 JSON Lines（.jsonl）；可给文件夹。"
        "每个文件要么整个导入、要么什么也不写；同一文件导入两次不会重复。"
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", metavar="PATH", help="文件或文件夹")
        parser.add_argument("--date", type=iso_date, help="出版日期 YYYY-MM-DD（期次不存在时自动创建）")
        parser.add_argument("--issue-number", type=int, help="报纸总期号")
        parser.add_argument("--page", help="版次，如 A04")
        parser.add_argument("--page-name", help="版名，如 两会特刊")
        parser.add_argument(
            "--status",
            choices=["draft", "published"],
            help="导入后的状态；默认草稿（.jsonl 默认沿用记录中的状态）",
        )
        parser.add_argument("--encoding", default="utf-8", help="文件编码，默认 utf-8；旧档可用 gbk")
        parser.add_argument("--dry-run", action="store_true", help="只解析检查，不写数据库")
        parser.add_argument("--json", action="store_true", help="每篇稿件输出一行 JSON")
        parser.add_argument(
            "--page-image", metavar="FILE", help="电子版：版面 PDF（一页）或图片，挂到 --date、--page 指定的版面"
        )
        parser.add_argument(
            "--regions", metavar="FILE", help="电子版：版面区域 JSON（格式见 README），替换该版面原有的区域"
        )

    def handle(self, *args, **options):
        if options["issue_number"] is not None and options["date"] is None:
            raise CommandError("--issue-number 需要同时给出 --date")
        if options["issue_number"] is not None and not 0 < options["issue_number"] < 2**31:
            raise CommandError("--issue-number 应为正整数（不超过 2147483647）")
        if options["page_name"] and not options["page"]:
            raise CommandError("--page-name 需要同时给出 --page")
        # The e-paper's files are checked before any article is imported (articles.epaper.bulk).
        if (options["page_image"] or options["regions"]) and not (options["date"] and options["page"]):
            raise CommandError("--page-image 和 --regions 需要同时给出 --date 和 --page（挂到哪一期的哪一版）")
        if not options["paths"] and not (options["page_image"] or options["regions"]):
            raise CommandError("请给出要导入的文件或文件夹（或 --page-image、--regions）")
        try:
            page_files = read_page_files(options["page_image"], options["regions"])
        except PageFileError as error:
            self.stderr.write(f"{error.name}: {error.reason}")
            sys.exit(1)
        import_options = ImportOptions(
            status=options["status"],
            issue_date=options["date"],
            issue_number=options["issue_number"],
            page_number=options["page"],
            page_name=options["page_name"],
        )
        importer = ArticleImporter(import_options)
        files = expand(options["paths"])
        if not files and options["paths"]:
            raise CommandError("没有找到 .txt 或 .jsonl 文件")
        encoding = options["encoding"]
        as_json, dry_run = options["json"], options["dry_run"]
        progress = Progress(len(files), sys.stderr)
        failed = created = existing = 0

        if dry_run:
            results = (importer.dry_run(name, parsed) for name, parsed in read_files(files, encoding))
        else:
            results = importer.import_files(read_files(files, encoding, workers=parse_workers(len(files))))

        for result in results:
            progress.step()
            if result.error:
                failed += 1
                self.stderr.write(f"{result.name}:{result.error.line}: {result.error.reason}")
                continue
            created += len(result.created) + result.pending
            existing += len(result.existing)
            if as_json and dry_run:
                for record in result.records:
                    self.stdout.write(json.dumps(record, ensure_ascii=False))
            elif as_json:
                ids = result.created + result.existing
                for article in export_queryset(Article.objects.filter(pk__in=ids)).order_by("pk"):
                    self.stdout.write(json.dumps(article_record(article), ensure_ascii=False))
            elif options["verbosity"] >= 2:
                self.stdout.write(f"{result.name}: 新建 {len(result.created)} 篇，已存在 {len(result.existing)} 篇")
        progress.close()
        if page_files.active and not dry_run:
            try:
                page, regions = apply(
                    page_files,
                    issue_date=options["date"],
                    page_number=options["page"],
                    page_name=options["page_name"] or "",
                    issue_number=options["issue_number"],
                )
            except PageFileError as error:
                failed += 1
                self.stderr.write(f"{error.name}: {error.reason}")
            else:
                (self.stderr if as_json else self.stdout).write(
                    f"电子版：{page}" + ("，版面图已更新" if page_files.image else "") + f"，区域 {regions} 个"
                )

        if dry_run:
            summary = (
                f"试运行，未写入：{len(files)} 个文件，可导入 {created} 篇，已存在 {existing} 篇，失败 {failed} 个文件"
            )
        else:
            summary = f"导入完成：{len(files)} 个文件，新建 {created} 篇，已存在 {existing} 篇，失败 {failed} 个文件"
        # With --json stdout is for records only, so the summary goes to stderr.
        (self.stderr if as_json else self.stdout).write(summary)
        if failed:
            sys.exit(1)
