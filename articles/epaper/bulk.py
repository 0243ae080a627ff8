"""The e-paper half of ``import_articles``: ``--page-image FILE`` and ``--regions FILE``.

Both files are read and checked before the command imports any article (a bad page file or a
regions file that is not valid JSON stops the run with nothing written); the regions' articles
are looked up after the articles of the same run are imported, so a regions file may name them
by import key. The page file and the regions are then saved together, in one transaction: if
either is refused, neither is saved (the articles, each file all-or-nothing, stay imported).
"""

from __future__ import annotations

import datetime
import io
import json
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from articles.epaper.pages import PreparedPage, prepare_upload, store
from articles.epaper.regions import import_regions, parse_entries
from articles.models import Issue, Page


class PageFileError(ValueError):
    """A refused page or regions file: ``name`` and a reason in Chinese."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name, self.reason = name, reason


@dataclass
class PageFiles:
    image_name: str | None = None
    image: PreparedPage | None = None
    regions_name: str | None = None
    regions: object = None  # the decoded JSON, checked against articles in apply()

    @property
    def active(self) -> bool:
        return bool(self.image_name or self.regions_name)


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise PageFileError(path, "找不到这个文件") from None
    except IsADirectoryError:
        raise PageFileError(path, "这是文件夹，不是文件") from None
    except OSError as error:
        raise PageFileError(path, f"无法读取：{error.strerror}") from None


def read_page_files(image_path: str | None, regions_path: str | None) -> PageFiles:
    """Read and check both files, writing nothing; PageFileError names the file and the reason."""
    files = PageFiles(image_name=image_path, regions_name=regions_path)
    if image_path:
        try:
            [files.image] = prepare_upload(io.BytesIO(_read(image_path)), single=True)
        except ValidationError as error:
            raise PageFileError(image_path, error.messages[0]) from None
    if regions_path:
        try:
            files.regions = json.loads(_read(regions_path).decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise PageFileError(regions_path, "区域文件应为 UTF-8 编码的 JSON。") from None
        except json.JSONDecodeError as error:
            raise PageFileError(
                regions_path, f"不是有效的 JSON：第 {error.lineno} 行第 {error.colno} 列附近有误。"
            ) from None
        except (RecursionError, ValueError):
            raise PageFileError(regions_path, "不是有效的 JSON（嵌套太深或数字太大）。") from None
    return files


def apply(
    files: PageFiles,
    *,
    issue_date: datetime.date,
    page_number: str,
    page_name: str = "",
    issue_number: int | None = None,
) -> tuple[Page, int]:
    """Attach the page file and replace the page's regions; returns (page, regions saved)."""
    entries = []
    if files.regions_name:
        try:
            entries = parse_entries(files.regions)
        except ValidationError as error:
            raise PageFileError(files.regions_name, error.messages[0]) from None
    with transaction.atomic():
        issue, _ = Issue.objects.get_or_create(date=issue_date, defaults={"number": issue_number})
        page, _ = Page.objects.get_or_create(
            issue=issue, number=page_number.upper(), defaults={"name": page_name or ""}
        )
        if page_name and not page.name:
            page.name = page_name
            page.save(update_fields=["name", "updated_at"])
        if files.image is not None:
            store([page], [files.image])
        saved = 0
        if entries:
            try:
                saved = sum(import_regions(page, entries).values())
            except ValidationError as error:
                raise PageFileError(files.regions_name, error.messages[0]) from None
    return page, saved
