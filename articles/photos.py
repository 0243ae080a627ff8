"""Photos: uploads checked by their content, masters stripped of metadata, renditions made once.

How a photo travels:

1. ``clean_image()`` runs in the upload form, before anything is written. It trusts the bytes, never
   the file name: only JPEG, PNG, WebP and GIF pass; the size on disk and the pixel count (read from
   the header, before decoding) are capped, so a decompression bomb is refused without being
   decoded; a truncated or corrupt file is refused when it fails to decode. A refusal is a
   ``ValidationError`` with a message in Chinese, and the form never reaches storage.
2. What is stored is not the upload but a clean master re-encoded from the pixels: EXIF orientation
   applied, colours converted to sRGB, and no metadata at all (EXIF with GPS and camera serial, XMP,
   IPTC, ICC, comments). The camera's bytes never reach storage, so nothing served can leak them.
3. Renditions (WebP plus a JPEG fallback at ``RENDITION_WIDTHS``) are made when the photo is saved,
   after the transaction commits, not on a reader's first request. Uploads are rare and readers
   many: the editor waits once (about two seconds for a 24-megapixel photo, see
   docs/benchmarks.md), while a burst of readers of a fresh story never finds the web workers
   decoding a 24-megapixel JPEG each, the page needs no storage lookups
   (the list of renditions lives on the photo row, so showing a photo costs no extra query), and
   with S3 no request ever waits on the bucket. ``make_photo_renditions`` backfills photos that
   were loaded some other way; until then the template falls back to the master.
4. When a photo's file changes its renditions are remade and the old files deleted; when a photo
   is deleted (also through its article) its files go too, once the deletion has committed.
"""

from __future__ import annotations

import io
import logging
import posixpath
import uuid
import warnings
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.http import Http404
from django.views.static import serve
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from articles.models import Photo

logger = logging.getLogger(__name__)

# Formats accepted, by the name Pillow gives after reading the content, and the extension of the
# stored master. GIF is stored as PNG (its first frame): a news photo is not an animation.
ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "png"}
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp,image/gif"

# The article column is about 620 CSS pixels wide; a phone is 360 to 430 pixels at 2× or 3× density.
# 400 and 800 serve phones, 1200 and 1600 tablets and desktop screens at 2×.
RENDITION_WIDTHS = (400, 800, 1200, 1600)
RENDITION_FORMATS = ("webp", "jpeg")
RENDITION_DIR = "renditions"

MASTER_JPEG_QUALITY = 92
MASTER_WEBP_QUALITY = 90
WEBP_QUALITY = 80
JPEG_QUALITY = 82

# Never accept a partial decode: a truncated upload must fail loudly, not show a grey half.
ImageFile.LOAD_TRUNCATED_IMAGES = False

# Sniffed only to name a refused format in the message; what is accepted is decided by Pillow.
KNOWN_OTHER_FORMATS = [
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"8BPS", "PSD"),
]


def max_upload_bytes() -> int:
    return getattr(settings, "PHOTO_MAX_UPLOAD_BYTES", 40 * 1024 * 1024)


def max_pixels() -> int:
    return getattr(settings, "PHOTO_MAX_PIXELS", 64_000_000)


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def _megapixels(n: int) -> str:
    return f"{n / 1_000_000:.0f} 百万像素" if n >= 10_000_000 else f"{n / 1_000_000:.1f} 百万像素"


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _not_accepted_message(head: bytes) -> str:
    accepted = "只接受 JPEG、PNG、WebP 和 GIF 格式的图片"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftyphevc", b"ftypmif1", b"ftypmsf1"):
        return f"不支持 HEIC/HEIF 格式（苹果手机的默认照片格式）。{accepted}，请先导出为 JPEG 再上传。"
    if head[4:12] in (b"ftypavif", b"ftypavis"):
        return f"不支持 AVIF 格式。{accepted}，请先导出为 JPEG 再上传。"
    for magic, name in KNOWN_OTHER_FORMATS:
        if head.startswith(magic):
            return f"不支持 {name} 格式。{accepted}。"
    text = head.lstrip().lower()
    if text.startswith((b"<svg", b"<?xml", b"<!doctype", b"<html")):
        return f"不支持 SVG 或网页文件。{accepted}。"
    return f"这不是可识别的图片文件（只看文件内容，不看扩展名）。{accepted}。"


@dataclass(frozen=True)
class CleanImage:
    """A master ready to store: pixels only, upright, sRGB."""

    content: bytes
    extension: str
    width: int
    height: int

    def as_upload(self) -> SimpleUploadedFile:
        # A random name: nothing of the camera's or the editor's file name is published, and a
        # replaced photo never reuses a URL a CDN may still hold.
        return SimpleUploadedFile(
            f"{uuid.uuid4().hex}.{self.extension}",
            self.content,
            content_type=Image.MIME[{"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[self.extension]],
        )


def _file_size(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        position = file.tell()
        file.seek(0, io.SEEK_END)
        size = file.tell()
        file.seek(position)
    return size


def _open(file, *, formats=tuple(ACCEPTED_FORMATS)) -> Image.Image:
    file.seek(0)
    # Decompression-bomb warnings become errors: our own pixel limit is lower still, but Pillow's
    # check must never be a mere warning in a log.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(file, formats=list(formats))


def clean_image(file) -> CleanImage:
    """Check an upload and turn it into a clean master, or raise ValidationError (in Chinese)."""
    size = _file_size(file)
    if size == 0:
        raise _refuse("文件是空的，请重新选择图片。", "empty")
    if size > max_upload_bytes():
        raise _refuse(
            f"文件太大（{_megabytes(size)}），上限为 {_megabytes(max_upload_bytes())}。请先缩小或压缩后再上传。",
            "too_large",
        )

    file.seek(0)
    head = file.read(32)
    try:
        image = _open(file)
    except UnidentifiedImageError:
        raise _refuse(_not_accepted_message(head), "unsupported_format") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(_too_many_pixels_message(None), "too_many_pixels") from None
    except Exception:  # a plugin may raise anything on a malformed header
        logger.info("photo header unreadable", exc_info=True)
        raise _refuse(_corrupt_message(), "corrupt") from None

    with image:
        width, height = image.size
        if width < 1 or height < 1:
            raise _refuse(_corrupt_message(), "corrupt")
        # Checked on the header's numbers, before a single pixel is decoded: this is what stops a
        # small file that would expand to gigabytes.
        if width * height > max_pixels():
            raise _refuse(_too_many_pixels_message((width, height)), "too_many_pixels")
        source_format = image.format
        try:
            image.verify()  # checksums (PNG chunk CRCs) and structure, without decoding
        except Exception:
            logger.info("photo failed verify()", exc_info=True)
            raise _refuse(_corrupt_message(), "corrupt") from None

    # verify() leaves the image unusable; decode from a fresh handle, the first frame only.
    try:
        with _open(file, formats=[source_format]) as image:
            image.load()
            pixels = _normalise(image)
    except MemoryError:
        raise _refuse(_too_many_pixels_message((width, height)), "too_many_pixels") from None
    except Exception:
        logger.info("photo failed to decode", exc_info=True)
        raise _refuse(_corrupt_message(), "corrupt") from None

    extension = ACCEPTED_FORMATS[source_format]
    if extension == "jpg" and pixels.mode not in ("RGB", "L"):
        extension = "png"  # JPEG has no alpha channel
    content = _encode_master(pixels, extension)
    return CleanImage(content=content, extension=extension, width=pixels.width, height=pixels.height)


def _corrupt_message() -> str:
    return "图片文件已损坏或不完整（可能上传中断或导出出错），无法读取。请重新导出后再上传。"


def _too_many_pixels_message(size: tuple[int, int] | None) -> str:
    limit = _megapixels(max_pixels())
    if size is None:
        return f"图片像素数远超上限（{limit}），疑似“解压炸弹”文件，已拒收。"
    width, height = size
    return f"图片尺寸过大（{width}×{height}，约 {_megapixels(width * height)}），上限为 {limit}。请缩小后再上传。"


def _normalise(image: Image.Image) -> Image.Image:
    """Upright, sRGB, in L, RGB or RGBA, and carrying no metadata at all."""
    try:
        upright = ImageOps.exif_transpose(image)
    except Exception:  # malformed EXIF is common in the wild: keep the pixels as they are
        logger.info("EXIF orientation unreadable", exc_info=True)
        upright = image
    icc = image.info.get("icc_profile")
    result = _to_srgb(upright, icc) if icc else None
    if result is None:
        result = _plain_mode(upright)
    if result is image:
        result = image.copy()
    # Encoders fall back to Image.info for ICC profiles, comments and PNG text: empty it, so what
    # is saved is pixels only.
    result.info = {}
    return result


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _plain_mode(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        # 16-bit and float greyscale: scale to 8 bits instead of clipping to white.
        image = image.convert("I") if image.mode != "F" else image
        low, high = image.getextrema()
        scale = 255 / (high - low) if high > low else 0
        return image.point(lambda v: (v - low) * scale).convert("L")
    if _has_alpha(image):
        rgba = image.convert("RGBA")
        if rgba.getchannel("A").getextrema() == (255, 255):
            return rgba.convert("RGB")  # an alpha channel nobody uses
        return rgba
    if image.mode in ("L", "RGB"):
        return image
    if image.mode == "1":
        return image.convert("L")
    return image.convert("RGB")  # CMYK, YCbCr, LAB, HSV, P without transparency


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image | None:
    """Convert colours from an embedded profile (Adobe RGB, Display P3, CMYK) to sRGB.

    Browsers assume sRGB for an image without a profile, so dropping the profile without
    converting would wash the colours out. Returns None when no conversion is needed or possible.
    """
    if image.mode not in ("RGB", "CMYK"):
        return None  # greyscale and images with alpha keep their values; the profile is dropped
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if image.mode == "RGB" and "srgb" in (ImageCms.getProfileDescription(source) or "").lower():
            return None
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
    except Exception:  # a broken profile is not worth refusing a photo for
        logger.info("ICC profile unusable", exc_info=True)
        return None


def _encode_master(image: Image.Image, extension: str) -> bytes:
    buffer = io.BytesIO()
    if extension == "jpg":
        image.save(buffer, "JPEG", quality=MASTER_JPEG_QUALITY)
    elif extension == "webp":
        image.save(buffer, "WEBP", quality=MASTER_WEBP_QUALITY, method=4)
    else:
        image.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


# Renditions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenditionImage:
    width: int
    height: int
    format: str  # "webp" or "jpeg"
    content: bytes


def rendition_widths(source_width: int) -> list[int]:
    """The widths to make for a source: never upscaled; a small source gets its own width."""
    widths = [w for w in RENDITION_WIDTHS if w < source_width]
    if source_width <= RENDITION_WIDTHS[-1]:
        widths.append(source_width)
    return widths


def render_renditions(source) -> list[RenditionImage]:
    """Every rendition of an image file (a clean master), largest first."""
    with Image.open(source) as image:
        largest = max(rendition_widths(image.width))
        # JPEG can decode straight at 1/2, 1/4 or 1/8 scale: a 6000-pixel master is decoded at 3000.
        image.draft(None, (largest, max(1, round(image.height * largest / image.width))))
        image.load()
        image = _plain_mode(image)
        source_width, source_height = image.size
        out = []
        base = None
        for width in sorted(rendition_widths(source_width), reverse=True):
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


def rendition_records(photo: Photo) -> list[dict]:
    """The renditions recorded for the photo's current file (stale ones are ignored)."""
    data = photo.renditions or {}
    if not photo.image or data.get("source") != photo.image.name:
        return []
    return data.get("items", [])


def photo_make_renditions(photo: Photo, *, force: bool = False) -> bool:
    """Make and record the renditions of the photo's current file, unless they already exist.

    Returns True when renditions were made. Safe to call again; a photo whose file changed while
    this ran keeps the newer file's renditions.
    """
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
            rendered = render_renditions(handle)
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
        _delete_files(storage, saved)
        raise
    record = {"source": source, "items": items}
    # Conditional on the file still being the one rendered, so a concurrent replacement wins.
    updated = Photo.objects.filter(pk=photo.pk, image=source).update(renditions=record)
    if not updated:
        _delete_files(storage, saved)
        return False
    photo.renditions = record
    _delete_files(storage, [name for name in previous if name not in saved])
    return True


def _delete_files(storage, names) -> None:
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # a missing file or a storage hiccup must not undo the user's action
            logger.warning("could not delete media file %s", name, exc_info=True)


def _make_renditions_after_commit(pk: int) -> None:
    photo = Photo.objects.filter(pk=pk).first()
    if photo is None:
        return
    try:
        photo_make_renditions(photo)
    except Exception:
        # The photo stays usable (the template falls back to the master); the command retries.
        logger.exception("could not make renditions of photo %s", pk)


# Keeping files in step with rows --------------------------------------------------------------
# Receivers, because photos are also saved and deleted where no service runs: an article's
# deletion cascades to its photos. The storage work itself waits for the commit, so a rolled-back
# save or delete keeps its files.


@receiver(pre_save, sender=Photo, dispatch_uid="photo_remember_previous_file")
def _remember_previous_file(sender, instance: Photo, raw=False, update_fields=None, **kwargs):
    instance._previous_image_name = None
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and "image" not in update_fields:
        return
    instance._previous_image_name = Photo.objects.filter(pk=instance.pk).values_list("image", flat=True).first()


@receiver(post_save, sender=Photo, dispatch_uid="photo_renditions_after_save")
def _renditions_after_save(sender, instance: Photo, created=False, raw=False, **kwargs):
    if raw:
        return
    current = instance.image.name if instance.image else ""
    previous = getattr(instance, "_previous_image_name", None)
    if previous and previous != current:
        storage = instance.image.storage
        old_renditions = [item["name"] for item in (instance.renditions or {}).get("items", [])]
        transaction.on_commit(lambda: _delete_unreferenced(storage, previous, old_renditions), robust=True)
    if current and (created or previous != current or not rendition_records(instance)):
        pk = instance.pk
        transaction.on_commit(lambda: _make_renditions_after_commit(pk), robust=True)


@receiver(post_delete, sender=Photo, dispatch_uid="photo_files_after_delete")
def _files_after_delete(sender, instance: Photo, **kwargs):
    if not instance.image:
        return
    storage = instance.image.storage
    master = instance.image.name
    renditions = [item["name"] for item in (instance.renditions or {}).get("items", [])]
    transaction.on_commit(lambda: _delete_unreferenced(storage, master, renditions), robust=True)


def _delete_unreferenced(storage, master: str, renditions: list[str]) -> None:
    # Another row may point at the same file (a copied photo): then the files stay.
    if Photo.objects.filter(image=master).exists():
        return
    _delete_files(storage, [master, *renditions])


# Serving media where no web server or bucket does it ----------------------------------------


def serve_media(request, path):
    """Serve var/media/ from Django when SERVE_MEDIA is on (development, `make run`).

    Checked per request rather than when URLs load, so tests can switch it on. Renditions have
    names that change with their source, so browsers may keep them for a year.
    """
    if not getattr(settings, "SERVE_MEDIA", settings.DEBUG):
        raise Http404("media is served by the web server")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    if path.startswith(f"{RENDITION_DIR}/"):
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "public, max-age=86400"
    return response


# The upload form ---------------------------------------------------------------------------


class PhotoUploadField(forms.ImageField):
    """An image field whose value is the clean master, never the uploaded bytes."""

    default_validators = []  # the content decides, not the file name's extension

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if not widget.is_hidden:
            attrs["accept"] = ACCEPT_ATTRIBUTE
        return attrs

    def to_python(self, data):
        # FileField's checks (a file was sent, it has a name) but not ImageField's: clean_image()
        # is stricter and says what is wrong in Chinese.
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        return clean_image(upload).as_upload()


class PhotoForm(forms.ModelForm):
    image = PhotoUploadField(
        label="图片",
        help_text=(
            f"JPEG、PNG、WebP 或 GIF，不超过 {_megabytes(max_upload_bytes())}、{_megapixels(max_pixels())}。"
            "上传后自动转正方向，并去掉拍摄地点（GPS）、相机序列号等全部元数据。"
        ),
    )

    class Meta:
        model = Photo
        fields = ["image", "is_lead", "position", "caption", "alt_text", "photographer"]
        error_messages = {
            "alt_text": {"required": "请填写替代文字：用一句话描述画面内容，供视障读者的读屏软件朗读。"},
        }


class PhotoInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        leads = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and form.cleaned_data.get("is_lead")
            and not form.cleaned_data.get("DELETE")
        ]
        if len(leads) > 1:
            raise ValidationError("一篇稿件只能有一张题图，请只勾选其中一张。", code="two_leads")
