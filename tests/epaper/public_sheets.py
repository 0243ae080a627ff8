"""Printed pages for the public e-paper tests: real page images drawn with Pillow (with their
renditions made as an upload makes them), a real one-page PDF made with pypdfium2, regions."""

import io

import pypdfium2
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from articles.epaper.renditions import page_make_renditions
from articles.models import Page, PageRegion

# A newspaper page's shape (A-series), small enough to render quickly: renditions at 400, 800, 1200.
PAGE_SIZE = (1200, 1697)

# Two columns and a lower story, relative to the page.
TOP_LEFT = [[0.05, 0.08], [0.48, 0.08], [0.48, 0.5], [0.05, 0.5]]
TOP_RIGHT = [[0.52, 0.08], [0.95, 0.08], [0.95, 0.5], [0.52, 0.5]]
BOTTOM = [[0.05, 0.55], [0.95, 0.55], [0.95, 0.95], [0.05, 0.95]]


def page_png(size=PAGE_SIZE) -> bytes:
    """A page: a masthead rule and grey column blocks, as a layout would print it."""
    image = Image.new("RGB", size, (250, 249, 245))
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle([0, 0, width, int(height * 0.05)], fill=(179, 18, 27))
    for left, top, right, bottom in [(0.05, 0.08, 0.48, 0.5), (0.52, 0.08, 0.95, 0.5), (0.05, 0.55, 0.95, 0.95)]:
        for line in range(int(top * height) + 10, int(bottom * height), 24):
            draw.rectangle([int(left * width), line, int(right * width), line + 10], fill=(120, 120, 120))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def one_page_pdf() -> bytes:
    pdf = pypdfium2.PdfDocument.new()
    pdf.new_page(842, 1191)  # A3 in points
    buffer = io.BytesIO()
    pdf.save(buffer)
    pdf.close()
    return buffer.getvalue()


def give_image(page: Page, *, renditions: bool = True, pdf: bool = False) -> Page:
    """The page's image (and PDF) saved as an upload would, and its renditions made."""
    page.image.save(f"{page.number}.png", ContentFile(page_png()), save=False)
    if pdf:
        page.pdf.save(f"{page.number}.pdf", ContentFile(one_page_pdf()), save=False)
    page.save()
    if renditions:
        page_make_renditions(page)
    return page


def add_region(page: Page, article, polygon, position: int = 0) -> PageRegion:
    """A region, raising the page's updated_at as every change of regions does."""
    region = PageRegion.objects.create(page=page, article=article, polygon=polygon, position=position)
    Page.objects.filter(pk=page.pk).update(updated_at=timezone.now())
    return region
