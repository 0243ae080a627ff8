"""A region's text, read from the page's PDF, and turned into a draft article.

What can be told from a text layer, and how:
- lines: consecutive characters (in the order the PDF draws them) on one baseline;
- the title: the largest type in the region, when it is clearly larger than the body type
  (``TITLE_RATIO``); lines in larger-than-body type before it are the kicker (引题), after it the
  subtitle (副题). When every line has the same size (or the PDF gives no sizes) the first line is
  the title;
- paragraphs: a line indented by about two characters, or after a wider gap than usual between
  lines, starts a new paragraph (Chinese paragraphs open with a two-character indent).
What cannot: a scanned page has no text layer (nothing is read); a column that crosses the
region's border is cut where the border runs; the order is the PDF's drawing order, which layout
systems write in reading order but other producers may not; a font without a ToUnicode map gives
codes rather than characters. The draft is a starting point for an editor, never published as is.
"""

from __future__ import annotations

import functools
import itertools
import statistics
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from articles.epaper.pdf import Char, chars_in, page_chars
from articles.epaper.regions import touch
from articles.importing.importer import ImportOptions, article_import
from articles.importing.parsing import ParsedArticle, ParseError
from articles.models import Article, Page, PageRegion

TITLE_RATIO = 1.25  # a title's type is at least this much larger than the body's
PARAGRAPH_INDENT = 1.5  # characters of indent that open a paragraph
PARAGRAPH_GAP = 1.8  # a gap between lines this many times the usual opens a paragraph


@dataclass
class Line:
    chars: list[Char] = field(default_factory=list)

    @property
    def text(self) -> str:
        out = []
        previous = None
        for char in self.chars:
            # Latin words drawn apart without a space character keep their space.
            if previous is not None and char.left - (previous.left + previous.width) > previous.width * 0.6:
                if previous.text.isascii() and char.text.isascii() and previous.text != " ":
                    out.append(" ")
            out.append(char.text)
            previous = char
        return "".join(out).strip()

    @property
    def size(self) -> float:
        return statistics.mode(c.size for c in self.chars)

    @property
    def left(self) -> float:
        # Where the first visible character stands: an indent may be typed as ideographic spaces.
        return min((c.left for c in self.chars if not c.text.isspace()), default=self.chars[0].left)

    @property
    def y(self) -> float:
        return statistics.median(c.y for c in self.chars)

    @property
    def em(self) -> float:
        """The width of one character of this line (relative to the page)."""
        wide = [c.width for c in self.chars if not c.text.isascii()] or [c.width for c in self.chars]
        return statistics.median(wide)


@dataclass
class RegionText:
    lines: list[Line]
    kicker: str = ""
    title: str = ""
    subtitle: str = ""
    paragraphs: list[str] = field(default_factory=list)
    title_from_size: bool = False  # the title was told by its type size, not just taken first

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "kicker": self.kicker,
            "title": self.title,
            "subtitle": self.subtitle,
            "paragraphs": self.paragraphs,
            "title_from_size": self.title_from_size,
        }


def split_lines(chars: list[Char]) -> list[Line]:
    lines: list[Line] = []
    for char in chars:
        line = lines[-1] if lines else None
        if line is not None and line.chars:
            last = line.chars[-1]
            same_baseline = abs(char.y - last.y) < max(last.height, char.height) * 0.5
            if same_baseline and char.x > last.x - last.width * 0.5:
                line.chars.append(char)
                continue
        lines.append(Line([char]))
    return [line for line in lines if line.text]


def read_chars(chars: list[Char]) -> RegionText:
    """Lines, title and paragraphs from the characters of one region."""
    lines = split_lines(chars)
    result = RegionText(lines)
    if not lines:
        return result
    # The body's type: the size most characters are set in.
    body_size = statistics.mode(c.size for line in lines for c in line.chars)
    largest = max(line.size for line in lines)
    if body_size > 0 and largest >= body_size * TITLE_RATIO:
        first = next(i for i, line in enumerate(lines) if line.size == largest)
        last = first
        while last + 1 < len(lines) and lines[last + 1].size == largest:
            last += 1
        heading_end = last + 1
        while heading_end < len(lines) and lines[heading_end].size >= body_size * TITLE_RATIO:
            heading_end += 1
        result.kicker = "".join(line.text for line in lines[:first] if line.size > body_size)
        result.title = join_lines(lines[first : last + 1])
        result.subtitle = join_lines(lines[last + 1 : heading_end])
        result.title_from_size = True
        body = [line for line in lines[:first] if line.size <= body_size] + lines[heading_end:]
    else:
        result.title = lines[0].text
        body = lines[1:]
    result.paragraphs = paragraphs(body)
    return result


def join_lines(lines: list[Line]) -> str:
    out = ""
    for line in lines:
        text = line.text
        if out and out[-1].isascii() and out[-1].isalnum() and text[:1].isascii() and text[:1].isalnum():
            out += " "
        out += text
    return out


def paragraphs(lines: list[Line]) -> list[str]:
    if not lines:
        return []
    margin = min(line.left for line in lines)
    gaps = [b.y - a.y for a, b in itertools.pairwise(lines) if b.y > a.y]
    usual_gap = statistics.median(gaps) if gaps else 0
    groups: list[list[Line]] = []
    previous = None
    for line in lines:
        indented = line.left - margin > line.em * PARAGRAPH_INDENT
        gap = line.y - previous.y if previous is not None else 0
        wide_gap = usual_gap > 0 and gap > usual_gap * PARAGRAPH_GAP
        new_size = previous is not None and line.size != previous.size
        if not groups or indented or wide_gap or new_size or gap < 0:
            groups.append([line])
        else:
            groups[-1].append(line)
        previous = line
    return [text for text in (join_lines(group) for group in groups) if text]


def region_text(pdf: bytes, polygon, *, chars: list[Char] | None = None) -> RegionText:
    """What the page's PDF says inside the region (``chars``: the page's, if read already)."""
    if chars is None:
        chars = page_chars(pdf)
    return read_chars(chars_in(chars, polygon))


def page_pdf_bytes(page: Page) -> bytes | None:
    if not page.pdf:
        return None
    with page.pdf.open("rb") as handle:
        return handle.read()


def chars_of_page(page: Page) -> list[Char] | None:
    """The characters of the page's PDF (None without a PDF), kept per file: the region editor asks
    again each time a region moves, and a stored PDF never changes under its (random) name."""
    if not page.pdf:
        return None
    return _chars_of_file(page.pdf.storage, page.pdf.name)


@functools.lru_cache(maxsize=16)
def _chars_of_file(storage, name: str) -> list[Char]:
    with storage.open(name, "rb") as handle:
        return page_chars(handle.read())


def draft_from_region(page: Page, polygon, user) -> tuple[Article, bool]:
    """A draft article from the region's text, filed on the page, with a region of the same outline.

    Returns (article, created); the same text turned into a draft twice gives the first draft
    (the importer recognises it by its content). Raises ValidationError (in Chinese) when there
    is nothing to make a draft of.
    """
    chars = chars_of_page(page)
    if chars is None:
        raise ValidationError("这个版面没有 PDF，读不出文字：只有从排版系统导出的 PDF 带文字层。")
    read = read_chars(chars_in(chars, polygon))
    if not read.title:
        raise ValidationError("这个区域里没有读到文字（扫描的版面没有文字层，或区域没有框住文字）。")
    parsed = ParsedArticle(
        # Cut to the fields' lengths: a region that caught more than a headline is still a start.
        title=read.title[:200],
        kicker=read.kicker[:200],
        subtitle=read.subtitle[:200],
        lead=tuple(read.paragraphs) or (read.title,),
    )
    options = ImportOptions(
        status=Article.Status.DRAFT,
        issue_date=page.issue.date,
        page_number=page.number,
        page_name=page.name,
        created_by=user,
    )
    try:
        article, created = article_import(parsed=parsed, options=options)
    except ParseError as error:
        raise ValidationError(error.reason) from None
    if created:
        position = page.regions.count()
        PageRegion.objects.create(page=page, article=article, polygon=polygon, position=position)
        touch(page.pk)
    return article, created
