"""Template helpers for photos: the renditions as srcset, with a fallback to the master."""

from dataclasses import dataclass

from django import template

from articles.photos.renditions import Picture, rendition_records

register = template.Library()

# The article column (site.css .article: 36em of 17px): full width on phones, about 612 CSS pixels above.
DEFAULT_SIZES = "(min-width: 660px) 620px, 100vw"
# What a browser that ignores srcset gets: sharp on a phone, light enough anywhere.
FALLBACK_WIDTH = 800


@dataclass(frozen=True)
class PhotoImage(Picture):
    loading: str
    fetchpriority: str


def _srcset(storage, items) -> str:
    return ", ".join(f"{storage.url(item['name'])} {item['width']}w" for item in items)


@register.simple_tag
def photo_image(photo, above_fold=None, sizes=None):
    """Everything the <picture> of includes/photo.html needs, or None without a file.

    above_fold: True for a photo in the first screen (eager, high priority), False for one below
    it (lazy); left out, a lead photo counts as above the fold and the rest as below.
    """
    if not photo or not photo.image:
        return None
    if above_fold in (None, ""):
        above_fold = bool(photo.is_lead)
    storage = photo.image.storage
    items = sorted(rendition_records(photo), key=lambda item: item["width"])
    jpegs = [item for item in items if item["format"] == "jpeg"]
    webps = [item for item in items if item["format"] == "webp"]
    if jpegs:
        fallback = next((item for item in jpegs if item["width"] >= FALLBACK_WIDTH), jpegs[-1])
        largest = jpegs[-1]
        src, width, height = (
            storage.url(fallback["name"]),
            largest["width"],
            largest["height"],
        )
    else:  # not made yet (or failed): the master, which carries no metadata either
        src, width, height = photo.image.url, photo.width, photo.height
    return PhotoImage(
        src=src,
        width=width,
        height=height,
        srcset=_srcset(storage, jpegs),
        webp_srcset=_srcset(storage, webps),
        sizes=sizes or DEFAULT_SIZES,
        loading="eager" if above_fold else "lazy",
        fetchpriority="high" if above_fold else "",
    )


@register.simple_tag
def photo_url(photo, width=1200, fmt="jpeg"):
    """The URL of the smallest rendition at least `width` wide (for og:image, feeds), else the master."""
    if not photo or not photo.image:
        return ""
    items = sorted(
        (item for item in rendition_records(photo) if item["format"] == fmt),
        key=lambda item: item["width"],
    )
    if not items:
        return photo.image.url
    chosen = next((item for item in items if item["width"] >= int(width)), items[-1])
    return photo.image.storage.url(chosen["name"])
