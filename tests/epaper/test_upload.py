"""Attaching pages: a PDF or an image, one page or a whole issue; refused uploads change nothing."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from articles.epaper.pages import attach, attach_issue, page_numbers, prepare_upload
from articles.epaper.renditions import PAGE_RENDITION_WIDTHS, rendition_records
from articles.models import Page
from tests.epaper import pdfs
from tests.epaper.conftest import media_files, upload
from tests.factories import IssueFactory, PageFactory
from tests.photos import images

pytestmark = pytest.mark.django_db


def test_a_one_page_pdf_gives_the_page_its_pdf_image_and_renditions(settings, django_capture_on_commit_callbacks):
    page = PageFactory(number="A04", name="两会特刊")
    with django_capture_on_commit_callbacks(execute=True):
        attach(page, upload(pdfs.story_pdf(), "whatever.bin"))
    page.refresh_from_db()
    assert page.pdf.name.endswith(".pdf") and page.image.name.endswith(".jpg")
    assert (page.image_width, page.image_height) == (2400, 3395)
    with page.pdf.open("rb") as handle:
        assert handle.read() == pdfs.story_pdf()
    records = rendition_records(page)
    assert sorted({r["width"] for r in records}) == list(PAGE_RENDITION_WIDTHS)
    assert {r["format"] for r in records} == {"webp", "jpeg"}
    assert len(media_files(settings)) == 2 + len(records)


def test_an_image_replaces_the_pdf_and_old_files_go(settings, django_capture_on_commit_callbacks):
    page = PageFactory()
    with django_capture_on_commit_callbacks(execute=True):
        attach(page, upload(pdfs.story_pdf()))
    before = media_files(settings)
    png = images.encode(images.picture((1200, 1700)), "PNG")
    with django_capture_on_commit_callbacks(execute=True):
        attach(page, upload(png, "page.pdf"))  # the name says PDF, the content is an image
    page.refresh_from_db()
    assert not page.pdf and page.image.name.endswith(".png")
    assert (page.image_width, page.image_height) == (1200, 1700)
    after = media_files(settings)
    assert not before & after  # the PDF, the old master and its renditions are deleted
    assert len(after) == 1 + len(rendition_records(page))


def test_a_whole_issue_fills_pages_by_label_keeping_existing_ones(django_capture_on_commit_callbacks):
    issue = IssueFactory()
    existing = PageFactory(issue=issue, number="A02", name="要闻")
    with django_capture_on_commit_callbacks(execute=True):
        pages = attach_issue(issue, upload(pdfs.story_pdf(3, labels=["A01", "A02", "A03"])))
    assert [p.number for p in pages] == ["A01", "A02", "A03"]
    assert pages[1].pk == existing.pk
    existing.refresh_from_db()
    assert existing.name == "要闻" and existing.image and existing.pdf
    assert Page.objects.filter(issue=issue).count() == 3
    assert all(rendition_records(p) for p in Page.objects.filter(issue=issue))


def test_without_labels_pages_are_numbered_a01_on():
    prepared = prepare_upload(upload(pdfs.story_pdf(2)), single=False)
    assert page_numbers(prepared) == ["A01", "A02"]


BAD_UPLOADS = [
    (b"just some text, not a page", "不是 PDF 或图片"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "不是 PDF 或图片"),
    (pdfs.encrypted_pdf(), "加密"),
    (pdfs.truncated_pdf(), "损坏"),
    (pdfs.no_pages_pdf(), "没有页面"),
    (pdfs.tall_pdf(), "超过上限"),
    (pdfs.story_pdf(2), "整期"),
    (images.encode(images.picture((300, 200)), "JPEG")[:2000], "损坏"),
]


@pytest.mark.parametrize(("content", "words"), BAD_UPLOADS)
def test_a_refused_page_upload_changes_nothing(content, words, counts, django_capture_on_commit_callbacks):
    page = PageFactory()
    with django_capture_on_commit_callbacks(execute=True):
        attach(page, upload(pdfs.story_pdf()))
    before = counts()
    with pytest.raises(ValidationError) as caught, django_capture_on_commit_callbacks(execute=True):
        attach(Page.objects.get(pk=page.pk), upload(content))
    assert words in caught.value.messages[0]
    assert counts() == before


@pytest.mark.parametrize(
    ("content", "words"), [(pdfs.encrypted_pdf(), "加密"), (images.encode(images.picture(), "PNG"), "只接受 PDF")]
)
def test_a_refused_whole_issue_changes_nothing(content, words, counts):
    issue = IssueFactory()
    before = counts()
    with pytest.raises(ValidationError) as caught:
        attach_issue(issue, upload(content))
    assert words in caught.value.messages[0]
    assert counts() == before


def test_a_failure_while_storing_leaves_no_files(settings, monkeypatch, counts):
    issue = IssueFactory()
    before = counts()
    original = Page.save
    calls = []

    def failing_save(self, *args, **kwargs):
        calls.append(self.number)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Page, "save", failing_save)
    with pytest.raises(RuntimeError):
        attach_issue(issue, upload(pdfs.story_pdf(3)))
    assert counts() == before


def test_the_master_image_is_a_clean_jpeg():
    [prepared] = prepare_upload(upload(pdfs.story_pdf()))
    image = Image.open(io.BytesIO(prepared.image))
    assert image.format == "JPEG" and not image.info.get("exif")


def test_missing_page_renditions_are_made_by_the_command(settings):
    from django.core.management import call_command

    page = PageFactory()
    attach(page, upload(pdfs.story_pdf()))  # the test's transaction never commits: no renditions yet
    page.refresh_from_db()
    assert not rendition_records(page)
    call_command("make_photo_renditions")
    page.refresh_from_db()
    assert sorted({r["width"] for r in rendition_records(page)}) == list(PAGE_RENDITION_WIDTHS)
