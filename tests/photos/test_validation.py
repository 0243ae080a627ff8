"""Uploads are judged by their content; every bad file is refused with a clear Chinese message."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from articles.photos.images import clean_image
from tests.photos import images


def refusal(content: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        clean_image(io.BytesIO(content))
    return caught.value


def opened(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


@pytest.mark.parametrize(
    ("fmt", "options", "extension"),
    [
        ("JPEG", {"quality": 90}, "jpg"),
        ("PNG", {}, "png"),
        ("WEBP", {"quality": 90}, "webp"),
        ("GIF", {}, "png"),  # stored as its first frame, losslessly
    ],
)
def test_each_accepted_format_becomes_a_clean_master(fmt, options, extension):
    clean = clean_image(io.BytesIO(images.encode(images.picture((320, 240)), fmt, **options)))
    assert (clean.extension, clean.width, clean.height) == (extension, 320, 240)
    master = opened(clean.content)
    assert master.format == {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[extension]
    assert master.size == (320, 240)
    upload = clean.as_upload()
    assert upload.name.endswith(f".{extension}") and len(upload.name) == 32 + 1 + len(extension)


def test_the_content_decides_not_the_file_name():
    png_named_jpg = images.upload(images.encode(images.picture((100, 80)), "PNG"), name="现场.jpg")
    assert clean_image(png_named_jpg).extension == "png"

    text_named_jpg = images.upload("衡阳日报".encode() * 100, name="photo.jpg")
    error = refusal(text_named_jpg.read())
    assert error.code == "unsupported_format"
    assert "不是可识别的图片文件" in error.messages[0] and "JPEG、PNG、WebP 和 GIF" in error.messages[0]


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (lambda: images.encode(images.picture((50, 50)), "BMP"), "BMP"),
        (lambda: images.encode(images.picture((50, 50)), "TIFF"), "TIFF"),
        (lambda: images.encode(images.picture((50, 50)), "PDF"), "PDF"),
        (lambda: images.HEIC_HEADER, "HEIC"),
        (lambda: images.SVG, "SVG"),
    ],
)
def test_other_formats_are_refused_by_name(content, named):
    error = refusal(content())
    assert error.code == "unsupported_format"
    assert named in error.messages[0]
    assert "只接受 JPEG、PNG、WebP 和 GIF" in error.messages[0]


@pytest.mark.parametrize(
    "content",
    [images.truncated_jpeg, images.corrupt_png, images.garbage_after_jpeg_header],
    ids=["truncated-jpeg", "png-with-bad-checksum", "jpeg-with-scrambled-scan"],
)
def test_truncated_or_corrupt_files_are_refused(content):
    error = refusal(content())
    assert error.code == "corrupt"
    assert error.messages == ["图片文件已损坏或不完整（可能上传中断或导出出错），无法读取。请重新导出后再上传。"]


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = images.png_bomb(9_000)  # a valid PNG: 81 million pixels in a small file
    assert len(bomb) < 200_000
    error = refusal(bomb)
    assert error.code == "too_many_pixels"
    assert "9000×9000" in error.messages[0] and "上限为 64 百万像素" in error.messages[0]


def test_a_header_claiming_billions_of_pixels_is_refused():
    error = refusal(images.png_header_only(60_000, 60_000))
    assert error.code == "too_many_pixels"
    assert "解压炸弹" in error.messages[0]


def test_files_over_the_size_limit_are_refused(settings):
    settings.PHOTO_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    content = images.encode(images.picture((1800, 1400)), "PNG")  # noise compresses badly: > 2 MB
    assert len(content) > 2 * 1024 * 1024
    error = refusal(content)
    assert error.code == "too_large"
    assert "文件太大" in error.messages[0] and "上限为 2 MB" in error.messages[0]


def test_images_over_the_pixel_limit_are_refused(settings):
    settings.PHOTO_MAX_PIXELS = 1_000_000
    error = refusal(images.encode(images.picture((1200, 1000)), "JPEG"))
    assert error.code == "too_many_pixels"
    assert error.messages == ["图片尺寸过大（1200×1000，约 1.2 百万像素），上限为 1.0 百万像素。请缩小后再上传。"]
    assert clean_image(io.BytesIO(images.encode(images.picture((1000, 1000)), "JPEG"))).width == 1000


def test_an_empty_file_is_refused():
    assert refusal(b"").messages == ["文件是空的，请重新选择图片。"]


def test_gps_serial_and_all_other_metadata_are_stripped_from_a_camera_jpeg():
    original = images.camera_jpeg()
    source = Image.open(io.BytesIO(original))
    assert source.getexif().get_ifd(0x8825)  # the test file really carries GPS …
    assert images.SERIAL.encode() in original and b"Hengyang" in original  # … a serial and XMP

    clean = clean_image(io.BytesIO(original)).content
    master = opened(clean)
    assert not master.getexif()
    assert not {"exif", "xmp", "icc_profile", "comment", "photoshop"} & set(master.info)
    assert b"Exif\x00\x00" not in clean
    assert images.SERIAL.encode() not in clean and b"Hengyang" not in clean and b"HengyangCam" not in clean


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_metadata_is_stripped_from_png_and_webp(fmt):
    from PIL import PngImagePlugin

    options = {"exif": images.camera_exif(), "icc_profile": images.srgb_icc()}
    if fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", images.SERIAL)
        text.add_itxt("XML:com.adobe.xmp", images.XMP.decode())
        options["pnginfo"] = text
    else:
        options["xmp"] = images.XMP
    original = images.encode(images.picture((200, 150)), fmt, **options)
    assert images.SERIAL.encode() in original

    clean = clean_image(io.BytesIO(original)).content
    assert images.SERIAL.encode() not in clean and b"Hengyang" not in clean
    master = opened(clean)
    assert not master.getexif()
    assert not {"exif", "xmp", "icc_profile", "Comment", "XML:com.adobe.xmp"} & set(master.info)


@pytest.mark.parametrize(
    ("orientation", "expected_size", "red_at"),
    [
        (1, (300, 200), "left"),
        (3, (300, 200), "right"),  # upside down
        (6, (200, 300), "top"),  # turned a quarter clockwise to stand upright
        (8, (200, 300), "bottom"),
    ],
)
def test_exif_orientation_is_applied(orientation, expected_size, red_at):
    exif = Image.Exif()
    exif[0x0112] = orientation
    original = images.encode(images.halves((300, 200)), "JPEG", quality=95, exif=exif)

    master = opened(clean_image(io.BytesIO(original)).content)
    assert master.size == expected_size
    width, height = master.size
    probes = {
        "left": (width // 4, height // 2),
        "right": (width * 3 // 4, height // 2),
        "top": (width // 2, height // 4),
        "bottom": (width // 2, height * 3 // 4),
    }
    red, _, blue = master.getpixel(probes[red_at])
    assert red > 200 and blue < 60
    assert master.getexif().get(0x0112) is None


def test_a_broken_exif_block_does_not_cost_the_photo():
    content = bytearray(images.camera_jpeg(orientation=6))
    start = content.index(b"Exif\x00\x00") + 6
    content[start : start + 8] = b"\xff" * 8  # the TIFF header of the EXIF block is gone
    clean = clean_image(io.BytesIO(bytes(content)))
    assert (clean.width, clean.height) in ((640, 480), (480, 640))
    assert images.SERIAL.encode() not in clean.content


def test_cmyk_jpeg_becomes_rgb():
    clean = clean_image(io.BytesIO(images.encode(images.picture((120, 90)).convert("CMYK"), "JPEG")))
    assert opened(clean.content).mode == "RGB"


def test_transparency_is_kept_and_an_unused_alpha_channel_dropped():
    see_through = images.picture((120, 90)).convert("RGBA")
    see_through.putalpha(128)
    clean = clean_image(io.BytesIO(images.encode(see_through, "PNG")))
    assert (clean.extension, opened(clean.content).mode) == ("png", "RGBA")

    opaque = images.picture((120, 90)).convert("RGBA")
    assert opened(clean_image(io.BytesIO(images.encode(opaque, "PNG"))).content).mode == "RGB"


def test_sixteen_bit_greyscale_is_scaled_not_clipped():
    ramp = Image.linear_gradient("L").resize((256, 64)).convert("I")
    wide = ramp.point(lambda v: v * 256).convert("I;16")
    master = opened(clean_image(io.BytesIO(images.encode(wide, "PNG"))).content)
    assert master.mode == "L"
    low, high = master.getextrema()
    assert low < 10 and high > 245  # a clip to 8 bits would have made nearly everything white
