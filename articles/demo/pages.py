"""Demo page images for the e-paper, drawn with Pillow, and the regions of the demo articles on them.

Each demo page gets a printed-page look: the masthead 衡阳日报 on A01 (a running head on other
pages) with the page's number, name and date; the page's articles laid out in column blocks in
print order, each with its headline, lead photo and lines of type; filler blocks standing for the
rest of the page. The headlines are drawn with a CJK font when the system has one (Noto CJK,
WenQuanYi, Droid Sans Fallback …; found by path, or by fontconfig's fc-match), otherwise as
headline bars: the demo needs nothing downloaded. Every article block becomes the article's
region, so ``make run`` shows a working e-paper.

Idempotent like the rest of the demo: a page that has an image keeps it, and one that has
regions keeps them.
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from articles.epaper.pages import PreparedPage, store
from articles.epaper.regions import replace_regions
from articles.models import Article, Page

WIDTH, HEIGHT = 1600, 2263  # A3 proportions (1 : √2)
MARGIN = 70
GUTTER = 24
COLUMNS = 6
INK = (30, 30, 30)
RED = (176, 0, 32)
GREY = (150, 150, 150)
PAPER = (250, 248, 242)

FONT_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
]


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """A font file that has Chinese characters, or None."""
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    if shutil.which("fc-match"):
        try:
            found = subprocess.run(
                ["fc-match", "-f", "%{file}", ":lang=zh-cn"], capture_output=True, text=True, timeout=5, check=False
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
        # fc-match always answers with something: keep it only if it draws 衡.
        if found and _draws_chinese(found):
            return found
    return None


def _draws_chinese(path: str) -> bool:
    try:
        font = ImageFont.truetype(path, 40)
    except OSError:
        return False
    # A font without Chinese draws its one "missing" glyph for both characters.
    first, second = font.getmask("衡"), font.getmask("阳")
    return bool(first.getbbox()) and (first.getbbox(), bytes(first)) != (second.getbbox(), bytes(second))


def _font(size: int) -> ImageFont.FreeTypeFont | None:
    path = cjk_font_path()
    return ImageFont.truetype(path, size) if path else None


def _latin(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _text_or_bar(draw: ImageDraw.ImageDraw, xy, text: str, size: int, width: int, fill=INK) -> int:
    """Draw a headline (or a bar where it would stand); returns the height used."""
    font = _font(size)
    x, y = xy
    if font is None:
        bar = min(width, max(size * 3, size * len(text)))
        draw.rectangle((x, y + size // 6, x + bar, y + size), fill=fill)
        return size + size // 3
    lines, line = [], ""
    for char in text:
        if draw.textlength(line + char, font=font) > width:
            lines.append(line)
            line = char
        else:
            line += char
    lines.append(line)
    for number, shown in enumerate(lines[:3]):
        draw.text((x, y + number * (size + size // 4)), shown, font=font, fill=fill)
    return min(len(lines), 3) * (size + size // 4)


def _type_lines(draw, box, rng, *, line=22):
    """Columns of grey lines standing for body type inside box (left, top, right, bottom)."""
    left, top, right, bottom = box
    y = top
    while y + 8 < bottom:
        end = right if rng.random() > 0.12 else left + (right - left) * rng.uniform(0.3, 0.9)
        start = left + (28 if rng.random() < 0.1 else 0)  # a paragraph's indent
        draw.rectangle((start, y, end, y + 8), fill=(185, 185, 185))
        y += line


def _columns(draw, box, rng, columns: int):
    left, top, right, bottom = box
    width = (right - left - GUTTER * (columns - 1)) / columns
    for n in range(columns):
        x = left + n * (width + GUTTER)
        _type_lines(draw, (x, top, x + width, bottom), rng)
        if n:
            draw.line((x - GUTTER / 2, top, x - GUTTER / 2, bottom), fill=(205, 205, 205), width=1)


def _photo(article: Article) -> Image.Image | None:
    photo = next(iter(article.photos.all()), None)
    if photo is None or not photo.image:
        return None
    try:
        with photo.image.open("rb") as handle:
            return Image.open(io.BytesIO(handle.read())).convert("RGB")
    except OSError:
        return None


def _article_block(draw, image, article: Article, box, rng) -> None:
    left, top, right, bottom = box
    y = top
    if article.kicker:
        y += _text_or_bar(draw, (left, y), article.kicker, 28, right - left, fill=GREY)
    y += _text_or_bar(draw, (left, y), article.title, 54, right - left, fill=INK) + 10
    if article.subtitle:
        y += _text_or_bar(draw, (left, y), "——" + article.subtitle, 30, right - left, fill=INK) + 6
    draw.line((left, y, right, y), fill=INK, width=2)
    y += 16
    photo = _photo(article)
    if photo is not None:
        width = int((right - left) * 0.5)
        height = min(int(width * photo.height / photo.width), int((bottom - y) * 0.6))
        photo = photo.resize((width, height))
        image.paste(photo, (int(right - width), int(y)))
        _columns(draw, (left, y, right - width - GUTTER, y + height), rng, 2)
        y += height + GUTTER
    _columns(draw, (left, y, right, bottom), rng, COLUMNS if right - left > WIDTH * 0.6 else 3)


def _filler_block(draw, box, rng) -> None:
    left, top, right, bottom = box
    draw.rectangle((left, top + 8, left + (right - left) * rng.uniform(0.4, 0.8), top + 40), fill=(110, 110, 110))
    _columns(draw, (left, top + 60, right, bottom), rng, max(1, round((right - left) / 240)))


def _head(draw, page: Page) -> int:
    """The masthead on A01, a running head elsewhere; returns where the page's content starts."""
    date = page.issue.date
    latin = _latin(30)
    label = f"{page.number}  {date:%Y-%m-%d}"
    if page.number == "A01":
        height = _text_or_bar(draw, (MARGIN, MARGIN), "衡阳日报", 150, 700, fill=RED)
        draw.text((WIDTH - MARGIN - 360, MARGIN + 20), label, font=latin, fill=INK)
        if page.issue.number:
            draw.text((WIDTH - MARGIN - 360, MARGIN + 70), f"No. {page.issue.number}", font=latin, fill=INK)
        rule = MARGIN + max(height, 150) + 20
    else:
        _text_or_bar(draw, (MARGIN, MARGIN), f"第{page.number}版 {page.name}", 40, 600, fill=INK)
        draw.text(
            (WIDTH - MARGIN - 360, MARGIN),
            f"{label}  衡阳日报" if _font(30) else label,
            font=_font(30) or latin,
            fill=INK,
        )
        rule = MARGIN + 60
    draw.line((MARGIN, rule, WIDTH - MARGIN, rule), fill=INK, width=4)
    draw.line((MARGIN, rule + 8, WIDTH - MARGIN, rule + 8), fill=INK, width=1)
    return rule + 30


def layout(top: int, count: int) -> list[tuple[int, int, int, int]]:
    """Blocks for ``count`` articles in print order: the first across the page, the rest below in pairs."""
    left, right, bottom = MARGIN, WIDTH - MARGIN, HEIGHT - MARGIN
    if count <= 1:
        return [(left, top, right, top + int((bottom - top) * 0.62))]
    lead_bottom = top + int((bottom - top) * 0.45)
    blocks = [(left, top, right, lead_bottom)]
    rest = count - 1
    rows = (rest + 1) // 2
    row_height = (bottom - lead_bottom - GUTTER * rows) // rows
    for n in range(rest):
        row, column = divmod(n, 2)
        y = lead_bottom + GUTTER + row * (row_height + GUTTER)
        half = (right - left - GUTTER) // 2
        x = left if column == 0 else left + half + GUTTER
        width = half if (column == 0 and n + 1 < rest) or column == 1 else right - left
        blocks.append((x, y, x + width, y + row_height))
    return blocks


def draw_page(page: Page, articles: list[Article]) -> tuple[bytes, list[tuple[int, list]]]:
    """The page image (JPEG) and the regions of its articles: (article id, relative polygon)."""
    rng = random.Random(f"{page.issue.date}{page.number}")
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    top = _head(draw, page)
    blocks = layout(top, len(articles))
    regions = []
    for article, box in zip(articles, blocks, strict=False):
        _article_block(draw, image, article, box, rng)
        left, btop, right, bottom = box
        pad = 10
        x0, y0 = (left - pad) / WIDTH, (btop - pad) / HEIGHT
        x1, y1 = (right + pad) / WIDTH, (bottom + pad) / HEIGHT
        regions.append((article.pk, [[round(x, 4), round(y, 4)] for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]))
    # The rest of the page: other stories and an advertisement, not in the demo.
    rest_top = max(b[3] for b in blocks) + GUTTER * 2
    if rest_top < HEIGHT - MARGIN - 200:
        middle = WIDTH // 2
        _filler_block(draw, (MARGIN, rest_top, middle - GUTTER, HEIGHT - MARGIN), rng)
        draw.rectangle((middle + GUTTER, rest_top + 8, WIDTH - MARGIN, HEIGHT - MARGIN), outline=GREY, width=3)
        draw.rectangle(
            (middle + GUTTER + 30, rest_top + 40, WIDTH - MARGIN - 30, HEIGHT - MARGIN - 30), fill=(228, 224, 214)
        )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88, optimize=True)
    return buffer.getvalue(), regions


def make_demo_pages(pages=None) -> tuple[int, int]:
    """Draw the image of every demo page that has none, and regions where a page has none.

    Returns (images made, regions made).
    """
    pages = Page.objects.select_related("issue").order_by("issue__date", "number") if pages is None else pages
    images = regions_made = 0
    for page in pages:
        articles = list(Article.objects.filter(page=page).order_by("position", "pk").prefetch_related("photos"))
        if not articles or (page.image and page.regions.exists()):
            continue
        content, regions = draw_page(page, articles)
        if not page.image:
            store([page], [PreparedPage(pdf=None, image=content, extension="jpg")])
            images += 1
        if not page.regions.exists():
            replace_regions(page.pk, regions)
            regions_made += len(regions)
    return images, regions_made
