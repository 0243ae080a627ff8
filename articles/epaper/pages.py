"""Attaching printed pages: a PDF or an image becomes a page's PDF, master image and renditions.

Two steps, so that a bad upload changes nothing:

1. ``prepare_upload()`` reads the whole upload in memory and checks it — a PDF through
   articles.epaper.pdf (rendered here, page by page), an image through the photos' checks
   (articles.photos.images.clean_image: content sniffed, size and pixels capped, metadata
   stripped). It writes nothing and raises ValidationError in Chinese.
2. ``attach()`` / ``attach_issue()`` store the files and save the rows in one transaction; if
   anything fails the rows roll back and the files just written are deleted.

Renditions are made after the commit and the replaced files deleted then (articles.epaper.signals),
as for photos.

A whole-issue PDF (``attach_issue``): the PDF's n-th page becomes the page numbered by its page
label when every page has a label like A01 (layout systems write them), otherwise A01, A02, … in
order. A page of the issue with that number receives the image (its name and articles stay);
missing pages are created.
"""

from __future__ import annotations

import io
import logging
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from articles.epaper.pdf import RenderedPage, check_upload_size, is_pdf, read_pdf
from articles.models import Issue, Page
from articles.photos.images import clean_image
from articles.photos.renditions import delete_files

logger = logging.getLogger(__name__)

ACCEPT_ATTRIBUTE = "application/pdf,image/jpeg,image/png,image/webp"


@dataclass(frozen=True)
class PreparedPage:
    """What one page will store: its PDF (or None for an uploaded image) and its master image."""

    pdf: bytes | None
    image: bytes
    extension: str
    label: str = ""


def _read(upload) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None:
        check_upload_size(size)  # before reading a byte of an oversized upload
    upload.seek(0)
    data = upload.read()
    check_upload_size(len(data))
    return data


def prepare_upload(upload, *, single: bool = True) -> list[PreparedPage]:
    """Check and render an uploaded PDF or image; ValidationError (in Chinese) when it is refused."""
    data = _read(upload)
    if is_pdf(data[:1024]):
        return [_from_pdf(page) for page in read_pdf(data, single=single)]
    try:
        clean = clean_image(io.BytesIO(data))
    except ValidationError as error:
        if error.code == "unsupported_format":
            raise ValidationError(
                "这不是 PDF 或图片文件（只看文件内容，不看扩展名）。版面只接受 PDF，或 JPEG、PNG、WebP 图片。",
                code="unsupported_format",
            ) from None
        raise
    return [PreparedPage(pdf=None, image=clean.content, extension=clean.extension)]


def _from_pdf(page: RenderedPage) -> PreparedPage:
    return PreparedPage(pdf=page.pdf, image=page.image, extension="jpg", label=page.label)


def _store(page: Page, prepared: PreparedPage, saved: list[str]) -> None:
    # Random names, like photos': a replaced page never reuses a URL a CDN may still hold.
    stem = uuid.uuid4().hex
    page.image.save(f"{stem}.{prepared.extension}", ContentFile(prepared.image), save=False)
    saved.append(page.image.name)
    if prepared.pdf is not None:
        page.pdf.save(f"{stem}.pdf", ContentFile(prepared.pdf), save=False)
        saved.append(page.pdf.name)
    else:
        page.pdf = ""  # an uploaded image replaces the printed PDF too: they must show the same page
    page.renditions = {}


def store(pages: list[Page], prepared: list[PreparedPage]) -> None:
    """Save each page with its prepared files, all in one transaction; on failure no file stays."""
    saved: list[str] = []
    storage = Page._meta.get_field("image").storage
    try:
        with transaction.atomic():
            for page, item in zip(pages, prepared, strict=True):
                _store(page, item, saved)
                page.save()
    except Exception:
        delete_files(storage, saved)
        raise


def attach(page: Page, upload) -> Page:
    """The page gets the uploaded one-page PDF or image (ValidationError when refused)."""
    [prepared] = prepare_upload(upload, single=True)
    store([page], [prepared])
    return page


def page_numbers(prepared: list[PreparedPage]) -> list[str]:
    labels = [p.label for p in prepared]
    if all(labels) and len(set(labels)) == len(labels):
        return labels
    return [f"A{n:02d}" for n in range(1, len(prepared) + 1)]


def attach_issue(issue: Issue, upload) -> list[Page]:
    """The issue's pages get the pages of a whole-issue PDF (ValidationError when refused).

    ``issue`` may be unsaved: it is saved with its pages, and not at all when the PDF is refused."""
    data = _read(upload)
    if not is_pdf(data[:1024]):
        raise ValidationError("整期上传只接受 PDF 文件（只看文件内容，不看扩展名）。", code="not_pdf")
    prepared = [_from_pdf(page) for page in read_pdf(data)]
    numbers = page_numbers(prepared)
    with transaction.atomic():
        if issue.pk is None:  # a new issue is created only with its pages
            issue.save()
        existing = {p.number: p for p in Page.objects.select_for_update().filter(issue=issue, number__in=numbers)}
        pages = [existing.get(number) or Page(issue=issue, number=number) for number in numbers]
        store(pages, prepared)
    return pages
