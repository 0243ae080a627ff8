"""Image files for the photo tests, each made with Pillow or by hand: good ones and every kind of bad one."""

import io
import random
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, ImageDraw

SERIAL = "SN-98765-HENGYANG"
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description photoshop:City="Hengyang"/></x:xmpmeta>'


def picture(size=(640, 480), mode="RGB") -> Image.Image:
    """A picture with detail (noise and shapes), so JPEG data is realistic and truncation hurts."""
    rng = random.Random(size[0] * 7919 + size[1])
    image = Image.effect_noise(size, 40).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.ellipse(
            (x - 40, y - 30, x + 40, y + 30),
            fill=(rng.randrange(256), rng.randrange(256), 90),
        )
    return image.convert(mode) if mode != "RGB" else image


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def camera_exif(orientation: int = 1) -> Image.Exif:
    """What a phone writes: where (GPS), with what (make, model, serial), which way up."""
    exif = Image.Exif()
    exif[0x010F] = "HengyangCam"  # Make
    exif[0x0110] = "HY-1"  # Model
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (26.0, 53.0, 42.0)  # latitude of Hengyang
    gps[3], gps[4] = "E", (112.0, 34.0, 19.0)
    details = exif.get_ifd(0x8769)
    details[0xA431] = SERIAL  # BodySerialNumber
    details[0x9003] = "2019:01:02 08:30:00"  # DateTimeOriginal
    return exif


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def camera_jpeg(size=(640, 480), orientation: int = 1) -> bytes:
    return encode(
        picture(size),
        "JPEG",
        quality=90,
        exif=camera_exif(orientation),
        xmp=XMP,
        comment=SERIAL,
        icc_profile=srgb_icc(),
    )


def halves(size=(300, 200), first=(255, 0, 0), second=(0, 0, 255)) -> Image.Image:
    """Left half one colour, right half another: shows which way an image was turned."""
    image = Image.new("RGB", size, second)
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 2 - 1, size[1]), fill=first)
    return image


def upload(content: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(side: int = 9_000) -> bytes:
    """A real, valid PNG of side×side black pixels, by hand: ~80 KB that decode to side² bytes (81 MB)."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (side + 1)  # filter byte + one grey byte per pixel
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims enormous dimensions and carries almost no data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    data = encode(picture((800, 600)), "JPEG", quality=90)
    return data[: len(data) * 6 // 10]


def corrupt_png() -> bytes:
    """A PNG whose pixel data was damaged in transit: its chunk checksum no longer matches."""
    data = bytearray(encode(picture((200, 150)), "PNG"))
    start = data.index(b"IDAT") + 4
    for i in range(start + 50, start + 90):
        data[i] ^= 0x5A
    return bytes(data)


def garbage_after_jpeg_header() -> bytes:
    data = encode(picture((400, 300)), "JPEG")
    start = data.index(b"\xff\xda") + 20  # keep the headers, scramble the scan
    rng = random.Random(7)
    return data[:start] + bytes(rng.randrange(256) for _ in range(len(data) - start))


HEIC_HEADER = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
