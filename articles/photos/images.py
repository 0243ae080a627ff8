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
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

# Formats accepted, by the name Pillow gives after reading the content, and the extension of the
# stored master. GIF is stored as PNG (its first frame): a news photo is not an animation.
ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "png"}
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp,image/gif"

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


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def megapixels(n: int) -> str:
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


def check_upload_size(size: int, *, choose_again: str, shrink: str) -> None:
    """Refuse an empty upload or one over the size cap, saying what to do instead."""
    if size == 0:
        raise _refuse(f"文件是空的，{choose_again}", "empty")
    if size > max_upload_bytes():
        raise _refuse(f"文件太大（{megabytes(size)}），上限为 {megabytes(max_upload_bytes())}。{shrink}", "too_large")


def clean_image(file) -> CleanImage:
    """Check an upload and turn it into a clean master, or raise ValidationError (in Chinese)."""
    check_upload_size(_file_size(file), choose_again="请重新选择图片。", shrink="请先缩小或压缩后再上传。")

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
    limit = megapixels(max_pixels())
    if size is None:
        return f"图片像素数远超上限（{limit}），疑似“解压炸弹”文件，已拒收。"
    width, height = size
    return f"图片尺寸过大（{width}×{height}，约 {megapixels(width * height)}），上限为 {limit}。请缩小后再上传。"


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
        result = plain_mode(upright)
    if result is image:
        result = image.copy()
    # Encoders fall back to Image.info for ICC profiles, comments and PNG text: empty it, so what
    # is saved is pixels only.
    result.info = {}
    return result


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def plain_mode(image: Image.Image) -> Image.Image:
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
