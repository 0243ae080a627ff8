"""Renditions: each photo's master resized once, when it is saved, to the widths pages ask for.

Made after the transaction commits (see ``articles.photos.signals``), never on a reader's
request; the list of renditions lives on the photo row, so showing a photo costs no query.
"""

from __future__ import annotations

import io
import logging
import posixpath
from dataclasses import dataclass

from django.core.files.base import ContentFile
from PIL import Image

from articles.models import Photo
from articles.photos.images import JPEG_QUALITY, WEBP_QUALITY, plain_mode

logger = logging.getLogger(__name__)

# The article column is about 620 CSS pixels wide; a phone is 360 to 430 pixels at 2× or 3× density.
# 400 and 800 serve phones, 1200 and 1600 tablets and desktop screens at 2×.
RENDITION_WIDTHS = (400, 800, 1200, 1600)
RENDITION_FORMATS = ("webp", "jpeg")
RENDITION_DIR = "renditions"


@dataclass(frozen=True)
class Picture:
    """What a <picture> needs: a JPEG (or master) fallback with its srcset, the WebP srcset, sizes."""

    src: str
    width: int | None
    height: int | None
    srcset: str
    webp_srcset: str
    sizes: str


@dataclass(frozen=True)
class RenditionImage:
    width: int
    height: int
    format: str  # "webp" or "jpeg"
    content: bytes


def rendition_widths(source_width: int, wanted: tuple[int, ...] = RENDITION_WIDTHS) -> list[int]:
    """The widths to make for a source: never upscaled; a small source gets its own width."""
    widths = [w for w in wanted if w < source_width]
    if source_width <= wanted[-1]:
        widths.append(source_width)
    return widths


def render_renditions(source, wanted: tuple[int, ...] = RENDITION_WIDTHS) -> list[RenditionImage]:
    """Every rendition of an image file (a clean master), largest first."""
    with Image.open(source) as image:
        largest = max(rendition_widths(image.width, wanted))
        # JPEG can decode straight at 1/2, 1/4 or 1/8 scale: a 6000-pixel master is decoded at 3000.
        image.draft(None, (largest, max(1, round(image.height * largest / image.width))))
        image.load()
        image = plain_mode(image)
        source_width, source_height = image.size
        out = []
        base = None
        for width in sorted(rendition_widths(source_width, wanted), reverse=True):
            height = max(1, round(source_height * width / source_width))
            if base is None:
                # reducing_gap: a fast box reduction first, then Lanczos, as good to the eye.
                step = (
                    image
                    if (width, height) == image.size
                    else image.resize((width, height), Image.LANCZOS, reducing_gap=3.0)
                )
                base = step
            else:
                step = base.resize((width, height), Image.LANCZOS)
            out.extend(_encode_rendition(step))
        return out


def _encode_rendition(image: Image.Image) -> list[RenditionImage]:
    webp = io.BytesIO()
    image.save(webp, "WEBP", quality=WEBP_QUALITY, method=4)
    jpeg = io.BytesIO()
    flat = image
    if image.mode == "RGBA":  # JPEG has no alpha: lay it on the page's white
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
    flat.save(jpeg, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return [
        RenditionImage(image.width, image.height, "webp", webp.getvalue()),
        RenditionImage(image.width, image.height, "jpeg", jpeg.getvalue()),
    ]


def rendition_name(source_name: str, width: int, fmt: str) -> str:
    """photos/2025/01/ab12….jpg becomes renditions/photos/2025/01/ab12…-800w.webp: one place per source."""
    stem, _ = posixpath.splitext(source_name)
    extension = "jpg" if fmt == "jpeg" else fmt
    return f"{RENDITION_DIR}/{stem}-{width}w.{extension}"


def rendition_records(photo) -> list[dict]:
    """The renditions recorded for the current file of a photo (or of anything with an ``image``
    and its ``renditions``, such as a printed page); stale ones are ignored."""
    data = photo.renditions or {}
    if not photo.image or data.get("source") != photo.image.name:
        return []
    return data.get("items", [])


def photo_make_renditions(photo: Photo, *, force: bool = False) -> bool:
    """Make and record the renditions of the photo's current file, unless they already exist.

    Returns True when renditions were made. Safe to call again; a photo whose file changed while
    this ran keeps the newer file's renditions.
    """
    return make_renditions(photo, RENDITION_WIDTHS, force=force)


def make_renditions(photo, wanted: tuple[int, ...], *, force: bool = False) -> bool:
    """photo_make_renditions for any row with an ``image`` file field and a ``renditions`` record."""
    source = photo.image.name if photo.image else ""
    if not source:
        return False
    if not force and rendition_records(photo):
        return False
    storage = photo.image.storage
    previous = [item["name"] for item in (photo.renditions or {}).get("items", [])]
    saved: list[str] = []
    items = []
    try:
        with storage.open(source, "rb") as handle:
            rendered = render_renditions(handle, wanted)
        for rendition in rendered:
            wanted = rendition_name(source, rendition.width, rendition.format)
            if wanted in previous:
                storage.delete(wanted)  # regenerating: keep the predictable name
            name = storage.save(wanted, ContentFile(rendition.content))
            saved.append(name)
            items.append(
                {
                    "width": rendition.width,
                    "height": rendition.height,
                    "format": rendition.format,
                    "name": name,
                }
            )
    except Exception:
        delete_files(storage, saved)
        raise
    record = {"source": source, "items": items}
    # Conditional on the file still being the one rendered, so a concurrent replacement wins.
    updated = type(photo)._default_manager.filter(pk=photo.pk, image=source).update(renditions=record)
    if not updated:
        delete_files(storage, saved)
        return False
    photo.renditions = record
    delete_files(storage, [name for name in previous if name not in saved])
    return True


def delete_files(storage, names) -> None:
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # a missing file or a storage hiccup must not undo the user's action
            logger.warning("could not delete media file %s", name, exc_info=True)


def make_renditions_after_commit(pk: int, model=Photo, make=photo_make_renditions) -> None:
    """Once the upload has committed: the renditions of the photo (or page: ``model``, ``make``)."""
    row = model.objects.filter(pk=pk).first()
    if row is None:
        return
    try:
        make(row)
    except Exception:
        # The row stays usable (the master is shown); its next save or the command retries.
        logger.exception("could not make renditions of %s %s", model._meta.model_name, pk)
