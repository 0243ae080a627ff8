"""Reading PDFs: checks, splitting, rendering, and the text layer with its type sizes."""

import io

import pypdfium2 as pdfium
import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from articles.epaper import pdf as epaper_pdf
from articles.epaper.drafts import read_chars, region_text
from articles.epaper.pdf import MASTER_WIDTH, inside, page_chars, read_pdf
from tests.epaper import pdfs


def test_a_whole_issue_is_split_into_one_page_pdfs_and_rendered():
    pages = read_pdf(pdfs.story_pdf(3, labels=["A01", "A02", "A03"]))
    assert [p.label for p in pages] == ["A01", "A02", "A03"]
    for page in pages:
        assert (page.width, page.height) == (MASTER_WIDTH, round(1191 * MASTER_WIDTH / 842))
        single = pdfium.PdfDocument(page.pdf)
        assert len(single) == 1
        # The page's own PDF keeps its text layer.
        assert "衡阳加快构建现代产业体系" in single[0].get_textpage().get_text_range()
        single.close()
        image = Image.open(io.BytesIO(page.image))
        assert image.format == "JPEG" and image.size == (page.width, page.height)
        # Something was drawn: the grey photo box (the Chinese type needs a font the system may lack).
        assert image.convert("L").getextrema()[0] < 230


def test_a_one_page_pdf_is_kept_as_uploaded():
    data = pdfs.story_pdf()
    [page] = read_pdf(data, single=True)
    assert page.pdf == data and page.label == ""


@pytest.mark.parametrize(
    ("make", "code", "words"),
    [
        (pdfs.encrypted_pdf, "encrypted", "加密"),
        (lambda: pdfs.encrypted_pdf(user_password=""), "encrypted", "加密"),
        (pdfs.truncated_pdf, "broken", "损坏"),
        (pdfs.garbage_pdf, "broken", "损坏"),
        (pdfs.no_pages_pdf, "no_pages", "没有页面"),
        (pdfs.tall_pdf, "too_many_pixels", "超过上限"),
        (lambda: b"GIF89a not a pdf", "not_pdf", "不是 PDF"),
        (lambda: b"", "empty", "空"),
    ],
)
def test_bad_pdfs_are_refused_in_chinese(make, code, words):
    with pytest.raises(ValidationError) as caught:
        read_pdf(make())
    assert caught.value.code == code
    assert words in caught.value.messages[0]


def test_the_pixel_cap_is_checked_before_rendering(settings, monkeypatch):
    settings.PHOTO_MAX_PIXELS = 1_000_000  # an A3 page at 2400 pixels wide is 8 million
    monkeypatch.setattr(epaper_pdf, "_render", lambda *a: pytest.fail("rendered a refused page"))
    with pytest.raises(ValidationError) as caught:
        read_pdf(pdfs.story_pdf())
    assert caught.value.code == "too_many_pixels"


def test_too_large_and_too_many_pages(settings):
    settings.PHOTO_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(ValidationError, match="太大"):
        read_pdf(pdfs.story_pdf())
    settings.PHOTO_MAX_UPLOAD_BYTES = 40 * 1024 * 1024
    many = pdfs.make_pdf([pdfs.PdfPage(size=pdfs.A4) for _ in range(epaper_pdf.MAX_PAGES + 1)])
    with pytest.raises(ValidationError, match="最多"):
        read_pdf(many)


def test_a_single_page_upload_refuses_a_whole_issue():
    with pytest.raises(ValidationError, match="整期"):
        read_pdf(pdfs.story_pdf(2), single=True)


def test_text_in_a_region_with_title_from_the_largest_type():
    read = region_text(pdfs.story_pdf(), pdfs.STORY_REGION)
    assert read.title == pdfs.TITLE and read.title_from_size
    assert read.kicker == pdfs.KICKER
    assert read.paragraphs == [
        "本报讯\u3000市人大代表夏君山认为，轨道交通产业集群正在加速形成。",
        "第二段：松木经开区项目已经投产，年产值超过二百亿元。",
    ]
    # The other story on the page lies outside the region.
    assert "另一篇" not in read.text


def test_without_size_differences_the_first_line_is_the_title():
    page = pdfs.PdfPage(size=pdfs.A4)
    page.text(50, 100, 12, "第一行是标题").text(50, 120, 12, "第二行是正文，").text(50, 136, 12, "正文继续。")
    read = region_text(pdfs.make_pdf([page]), [[0, 0], [1, 0], [1, 1], [0, 1]])
    assert read.title == "第一行是标题" and not read.title_from_size
    assert read.paragraphs == ["第二行是正文，正文继续。"]


def test_latin_words_keep_their_spaces_and_a_scanned_page_gives_nothing():
    page = pdfs.PdfPage(size=pdfs.A4).text(50, 100, 24, "Hengyang Daily").text(50, 140, 10, "Rail transit grows.")
    read = region_text(pdfs.make_pdf([page]), [[0, 0], [1, 0], [1, 1], [0, 1]])
    assert read.title == "Hengyang Daily"
    assert read.paragraphs == ["Rail transit grows."]
    scanned = pdfs.make_pdf([pdfs.PdfPage(size=pdfs.A4).box(10, 10, 500, 700)])
    assert page_chars(scanned) == [] and region_text(scanned, [[0, 0], [1, 0], [1, 1]]).title == ""
    assert read_chars([]).title == ""


def test_a_polygon_not_a_rectangle_selects_only_what_it_covers():
    triangle = [[0, 0], [1, 0], [0, 1]]
    assert inside(triangle, 0.2, 0.2) and not inside(triangle, 0.8, 0.8)
    chars = page_chars(pdfs.story_pdf())
    other = [c for c in chars if c.text == "另"]
    assert other and not inside(triangle, other[0].x, other[0].y)
