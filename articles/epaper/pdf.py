"""Printed pages' PDFs: checked, split into one-page PDFs, rendered to page images, text read back.

Everything here works on bytes in memory and writes nothing: ``read_pdf()`` either returns the
pages ready to store or raises a ``ValidationError`` in Chinese, so a bad upload never reaches
storage (articles.epaper.pages stores what this returns).

How strict, and why:
- the size on disk is capped as photos' is (``DJANGO_PHOTO_MAX_UPLOAD_BYTES``: a whole issue exported
  for the web is a few megabytes, and the web server refuses bigger bodies anyway), and so is the
  number of pages;
- the content is sniffed (``%PDF`` within the first kilobyte, as PDF readers accept), never the
  file name; then PDFium must open it: a broken file is refused, and so is an encrypted one, even
  with an empty user password (we would publish what its owner locked);
- a page is rendered at a fixed width (``MASTER_WIDTH``, the widest rendition), so its pixel count
  follows from its proportions; a page whose image would exceed the photos' pixel cap (a strip of
  paper 100 metres long) is refused before a pixel is rendered.

Text is read from the PDF's text layer with PDFium (``region_text()``): the characters whose boxes
lie inside a region, with their font sizes, in the order the PDF draws them.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from django.core.exceptions import ValidationError

from articles.models import page_number_validator
from articles.photos import images
from articles.photos.images import MASTER_JPEG_QUALITY, max_pixels, megapixels

logger = logging.getLogger(__name__)

# The widest page rendition (articles.epaper.renditions): a master wider than this serves nobody.
MASTER_WIDTH = 2400
MAX_PAGES = 64  # a city paper prints 8 to 48 pages a day
PDF_MAGIC = b"%PDF-"
PAGE_NUMBER = re.compile(page_number_validator.regex.pattern)
EMPTY_PAGE_TREE = re.compile(rb"/Count\s*0(?![0-9])")
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def is_pdf(head: bytes) -> bool:
    """PDF readers accept the header anywhere in the first kilobyte (some exports prepend junk)."""
    return PDF_MAGIC in head[:1024]


@dataclass(frozen=True)
class RenderedPage:
    """One page of an uploaded PDF, ready to store."""

    index: int  # 0-based, in the uploaded file
    label: str  # the PDF's page label ("A01") or ""
    pdf: bytes  # the page as its own one-page PDF
    image: bytes  # JPEG master, MASTER_WIDTH wide
    width: int
    height: int


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        # PDFium says why: a password is asked for, or the file is not a PDF it can read. A
        # well-formed file whose page tree is empty fails without an error of its own (PDFium then
        # repeats the previous one), so that case is told from the file's structure.
        if getattr(error, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise _refuse(
                "这个 PDF 已加密（有打开密码），无法处理。请导出不加密的 PDF 后再上传。", "encrypted"
            ) from None
        if EMPTY_PAGE_TREE.search(data) and not PAGE_OBJECT.search(data):
            raise _refuse("这个 PDF 没有页面。", "no_pages") from None
        logger.info("PDF unreadable", exc_info=True)
        raise _refuse(_broken_message(), "broken") from None
    if pdfium_c.FPDF_GetSecurityHandlerRevision(document) != -1:
        document.close()
        raise _refuse("这个 PDF 已加密（设有权限密码），无法处理。请导出不加密的 PDF 后再上传。", "encrypted")
    return document


def _broken_message() -> str:
    return "PDF 文件已损坏或不完整（可能上传中断或导出出错），无法读取。请重新导出后再上传。"


def master_size(width_pt: float, height_pt: float) -> tuple[int, int]:
    """The master image's pixel size for a page of this size in points."""
    if width_pt <= 0 or height_pt <= 0:
        return 0, 0
    return MASTER_WIDTH, max(1, round(height_pt * MASTER_WIDTH / width_pt))


def check_upload_size(size: int) -> None:
    images.check_upload_size(size, choose_again="请重新选择。", shrink="请拆分或压缩后再上传。")


def read_pdf(data: bytes, *, single: bool = False) -> list[RenderedPage]:
    """Check a PDF and render each of its pages, or raise ValidationError (in Chinese).

    ``single``: the PDF is for one page and must have exactly one.
    """
    check_upload_size(len(data))
    if not is_pdf(data):
        raise _refuse("这不是 PDF 文件（只看文件内容，不看扩展名）。", "not_pdf")
    document = _open(data)
    try:
        count = len(document)
        if count == 0:
            raise _refuse("这个 PDF 没有页面。", "no_pages")
        if single and count > 1:
            raise _refuse(
                f"这个 PDF 有 {count} 页，这里只能上传一个版面（一页）。整期 PDF 请在“版面”列表的“上传整期 PDF”中上传。",
                "several_pages",
            )
        if count > MAX_PAGES:
            raise _refuse(f"这个 PDF 有 {count} 页，一次最多 {MAX_PAGES} 页。", "too_many_pages")
        # Every page's size is checked before any is rendered: a refusal costs no rendering.
        sizes = []
        for index in range(count):
            width_pt, height_pt = document.get_page_size(index)
            width, height = master_size(width_pt, height_pt)
            if width * height == 0:
                raise _refuse(f"第 {index + 1} 页的页面尺寸无效。", "broken")
            if width * height > max_pixels():
                raise _refuse(
                    f"第 {index + 1} 页的比例异常（{width_pt:.0f}×{height_pt:.0f} 点），"
                    f"渲染成 {width}×{height} 的图片约 {megapixels(width * height)}，超过上限 {megapixels(max_pixels())}。",
                    "too_many_pixels",
                )
            sizes.append((width, height))
        return [_render(document, index, sizes[index], count == 1 and data) for index in range(count)]
    finally:
        document.close()


def _render(document: pdfium.PdfDocument, index: int, size: tuple[int, int], whole: bytes | bool) -> RenderedPage:
    try:
        page = document[index]
        try:
            width_pt = page.get_width()
            bitmap = page.render(scale=size[0] / width_pt, may_draw_forms=True)
            image = bitmap.to_pil().convert("RGB")
        finally:
            page.close()
    except MemoryError:
        raise _refuse(f"第 {index + 1} 页渲染所需内存过大，无法处理。", "too_many_pixels") from None
    except pdfium.PdfiumError:
        logger.info("PDF page failed to render", exc_info=True)
        raise _refuse(f"第 {index + 1} 页无法渲染：{_broken_message()}", "broken") from None
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=MASTER_JPEG_QUALITY, optimize=True)
    label = _label(document, index)
    # A one-page upload is kept as uploaded; a page of a whole issue becomes its own PDF.
    pdf = whole if isinstance(whole, bytes) else one_page_pdf(document, index)
    return RenderedPage(index, label, pdf, buffer.getvalue(), image.width, image.height)


def _label(document: pdfium.PdfDocument, index: int) -> str:
    try:
        label = (document.get_page_label(index) or "").strip().upper()
    except Exception:  # an unreadable label is no reason to refuse a page
        return ""
    return label if PAGE_NUMBER.match(label) else ""


def one_page_pdf(document: pdfium.PdfDocument, index: int) -> bytes:
    single = pdfium.PdfDocument.new()
    try:
        single.import_pages(document, [index])
        buffer = io.BytesIO()
        single.save(buffer)
        return buffer.getvalue()
    finally:
        single.close()


# Reading the text layer ------------------------------------------------------------------------


@dataclass(frozen=True)
class Char:
    text: str
    size: float  # font size in points
    x: float  # box centre, relative to the page (0 left … 1 right)
    y: float  # box centre, relative to the page (0 top … 1 bottom)
    left: float  # relative left edge
    top: float  # relative top edge
    width: float  # relative width of the box
    height: float  # relative height of the box


def page_chars(pdf: bytes) -> list[Char]:
    """The characters of a one-page PDF's text layer, in drawing order (empty without a text layer)."""
    try:
        document = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError:
        return []
    try:
        if len(document) == 0:
            return []
        page = document[0]
        left, bottom, right, top = page.get_bbox()
        width, height = right - left, top - bottom
        if width <= 0 or height <= 0:
            return []
        textpage = page.get_textpage()
        chars = []
        box = pdfium_c.FS_RECTF()
        # The raw calls: pypdfium2's per-character helpers cost three times as much.
        for i in range(textpage.count_chars()):
            code = pdfium_c.FPDFText_GetUnicode(textpage, i)
            if code in (0, 0x0D, 0x0A) or not pdfium_c.FPDFText_GetLooseCharBox(textpage, i, box):
                continue
            try:
                text = chr(code)
            except ValueError:
                continue
            x0, y0, x1, y1 = box.left, box.bottom, box.right, box.top
            size = pdfium_c.FPDFText_GetFontSize(textpage, i)
            chars.append(
                Char(
                    text=text,
                    size=round(size, 1),
                    x=((x0 + x1) / 2 - left) / width,
                    y=(top - (y0 + y1) / 2) / height,
                    left=(x0 - left) / width,
                    top=(top - y1) / height,
                    width=(x1 - x0) / width,
                    height=(y1 - y0) / height,
                )
            )
        return chars
    finally:
        document.close()


def inside(polygon, x: float, y: float) -> bool:
    """Whether (x, y) lies inside the polygon (even-odd rule; relative coordinates)."""
    result = False
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[i - 1]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            result = not result
    return result


def chars_in(chars: list[Char], polygon) -> list[Char]:
    return [c for c in chars if inside(polygon, c.x, c.y)]
