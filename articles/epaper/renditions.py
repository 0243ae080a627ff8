"""Page images resized once, when the page image is saved, like photos' renditions."""

from articles.models import Page
from articles.photos.renditions import make_renditions, rendition_records

# A page is read whole on a phone (400, 800), beside its article list on a desktop (1200 at 2×),
# and zoomed in to read a column (1600, 2400).
PAGE_RENDITION_WIDTHS = (400, 800, 1200, 1600, 2400)

__all__ = ["PAGE_RENDITION_WIDTHS", "page_make_renditions", "rendition_records"]


def page_make_renditions(page: Page, *, force: bool = False) -> bool:
    """Make and record the renditions of the page's current image, unless they exist already."""
    return make_renditions(page, PAGE_RENDITION_WIDTHS, force=force)
