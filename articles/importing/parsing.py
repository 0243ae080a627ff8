"""Turn the paper's plain-text article format (and JSON records) into ParsedArticle values.

Pure functions: no database, no Django. Every problem with the input is raised as
ParseError(line, reason) with the 1-based line number and a reason in Chinese, so callers
can print ``PATH:LINE: reason`` and archivists can fix the file.

The text format, as printed
---------------------------
- Optional blank lines, then optionally one kicker line (引题), then the title line ``# 主题``.
  The kicker may be written plainly or as ``引题：…``; more than one text line above the title is
  an error.
- Optionally a subtitle (副题) on the first text line after the title, starting with ``——``
  (the way the paper prints it) or written as ``副题：…``.
- Optionally a credit line starting with ``■``: groups of ``role/names``, names separated by
  spaces. ``本报记者``/``本报通讯员``… are qualifiers, not names; a bare role word (记者, 通讯员,
  实习生 …) or a qualifier starts a new group; ``文/图`` is one combined role.
  ``■统筹/本报记者 罗文鹏 整理/本报记者 姚永军 许珂 摄影/黄沐`` ·
  ``■本报记者 王五 通讯员 赵六`` · ``■文/图 本报记者 王五`` · ``■记者 王五 实习生 赵六 摄影/钱七``.
- Lead paragraphs, then sections: ``## heading``, an optional commentator line
  (``市人大代表 夏君山``, ``市政协委员、企业家 张三``: a title naming a congress or CPPCC office,
  a space, a name), then paragraphs. ``### `` starts a subheading inside a section.
- A UTF-8 BOM, CRLF or CR line ends, full-width and non-breaking spaces, tabs and trailing
  spaces are normalised away.

Paragraphs and the page-break rejoin rule
-----------------------------------------
Every non-blank line is a paragraph. Print layout leaves words broken across a page break with
a blank line between the halves (``可持`` / blank / ``续发展``). Two neighbouring paragraphs A
and B in the same lead or section are joined (with nothing in between) when a word straddles
the break: the last characters of A and the first of B, segmented together with jieba's
dictionary (word frequencies, as jieba segments), put a word across the break whose halves are
not words of their own (``在规`` / ``划…`` → 规划; but ``新能源`` / ``汽车…`` are two words and
decide nothing). Neither may be a list item and B not a ``### `` subheading. Otherwise they are
joined when all of these hold:

1. A does not end with closing punctuation (。！？；：…” 」 』 ） 》 】, closing single quotes and ASCII . ! ? ; : ) ]).
   A comma or 、 at the end means the sentence goes on, so it does not stop a join.
2. A is not heading-like: a line with no punctuation at all and at most 25 characters
   (a slogan, a caption, a heading without ``###``) is left alone.
3. Neither A nor B is a list item (``1.``, ``1、``, ``（一）``, ``一、``, ``①``, ``●``, ``-`` …).
4. B is not heading-like either, and neither is a ``### `` subheading; joins never cross a
   ``#``/``##`` heading, the credit line or a commentator line, since those are not paragraphs.

Joins chain (A+B+C when B is broken again). Each join is recorded in ParsedArticle.rejoined,
with the line of the first half, so the import preview can show it.

Limits: a short unpunctuated fragment broken between two words (not inside one) is taken for a
heading and left alone; a paragraph that genuinely ends without punctuation and is followed by
a continuation-looking paragraph is glued on; single line breaks are treated like blank lines,
so hard-wrapped text is rejoined by the same rule. Without the ``jieba`` package only the
punctuation rules apply.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property, lru_cache
from pathlib import Path

STATUSES = ("draft", "review", "scheduled", "published", "withdrawn")

# Roles as printed in credit lines. Unknown roles written as ``role/name`` are accepted too;
# this list decides what a bare word (without ``/``) means.
KNOWN_ROLES = frozenset(
    "统筹 策划 记者 见习记者 特约记者 摄影记者 整理 摄影 通讯员 编辑 责编 美编 实习生 文 图 "
    "撰文 执笔 采写 制图 设计 校对 供图 视频 翻译 主笔 监制 审核 出品".split()
)
QUALIFIER_PREFIXES = ("本报", "本刊", "本台")

CLOSING_PUNCTUATION = set("。！？；：…”」』）》】.!?;:)]\u2019")
# Anything Unicode calls punctuation, plus a few symbols papers use inside sentences.
PUNCTUATION_CATEGORIES = {"Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps"}
HEADING_LIKE_MAX_CHARS = 25

LIST_ITEM = re.compile(
    r"""^(?:
        \d{1,3}\s*[.、\uff0e)）]                  # 1.  1、  1)
      | [（(]\s*(?:[一二三四五六七八九十百]+|\d{1,3})\s*[)）]   # （一） (1)
      | [一二三四五六七八九十百]+、             # 一、
      | [①-⑳⑴-⒇❶-❿]                           # circled numbers
      | [●•·▲△■□◆◇★☆▶►✓√\-\uff0d*]            # bullets
    )""",
    re.VERBOSE,
)
HEADING = re.compile(r"^(#{1,6})(?: (.*))?$")
CJK_NAME = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff·•]{2,8}$")
COMMENTATOR_TITLE_WORDS = ("人大", "政协", "代表", "委员", "常委")
KICKER_PREFIX = re.compile(r"^引题\s*[:：]\s*")
SUBTITLE_PREFIX = re.compile(r"^副题\s*[:：]\s*")
SUBTITLE_DASHES = re.compile(r"^[—\u2013]{1,2}\s*|^-{2}\s*")
SPACES = re.compile(r"[ \t\u3000\u00a0\u2002-\u200a\u202f\u205f]+")
INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
# C0/C1 controls except tab and newline, and lone surrogates: signs of a binary file.
BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


class ParseError(ValueError):
    """Bad input: ``line`` is 1-based, ``reason`` is written in Chinese for the archivist."""

    def __init__(self, line: int, reason: str):
        super().__init__(f"第 {line} 行：{reason}")
        self.line = line
        self.reason = reason

    def __reduce__(self):  # survives pickling, e.g. back from a parsing worker process
        return (type(self), (self.line, self.reason))


@dataclass(frozen=True)
class ParsedCredit:
    role: str
    names: tuple[str, ...]
    qualifier: str = ""


@dataclass(frozen=True)
class ParsedCommentator:
    title: str
    name: str


@dataclass(frozen=True)
class ParsedSection:
    heading: str
    commentator: ParsedCommentator | None
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Rejoin:
    """A word put back together across a print page break: ``before`` + ``after``."""

    line: int
    before: str
    after: str


@dataclass(frozen=True)
class ParsedPage:
    number: str
    name: str = ""


@dataclass(frozen=True)
class ParsedRegion:
    """Where an exported article stood on a printed page (the e-paper): page and outline."""

    issue_date: date
    page_number: str
    polygon: tuple[tuple[float, float], ...]


@dataclass
class ParsedArticle:
    title: str
    kicker: str = ""
    subtitle: str = ""
    credits: tuple[ParsedCredit, ...] = ()
    lead: tuple[str, ...] = ()
    sections: tuple[ParsedSection, ...] = ()
    # None: recognise clusters in the text; a list: as given by an exported record.
    clusters: list[str] | None = None
    rejoined: list[Rejoin] = field(default_factory=list)
    line: int = 1
    # Only JSON records carry these; text files get them from the import options.
    status: str | None = None
    published_at: datetime | None = None
    issue_date: date | None = None
    issue_number: int | None = None
    page: ParsedPage | None = None
    tags: tuple[str, ...] = ()
    regions: tuple[ParsedRegion, ...] = ()

    @cached_property
    def import_key(self) -> str:
        """A hash of the printed content, so the same article imported twice is recognised.

        Line ends, spaces and the file's encoding do not change it, and neither does
        anything outside the text (status, issue, clusters recognised, credit qualifiers).
        Worked out once (a parsed article is not changed afterwards); parse_file() does it
        already, so an import's parsing worker processes do it rather than the writer.
        """
        content = {
            "title": self.title,
            "kicker": self.kicker,
            "subtitle": self.subtitle,
            "credits": [[c.role, list(c.names)] for c in self.credits],
            "lead": list(self.lead),
            "sections": [
                [
                    s.heading,
                    [s.commentator.title, s.commentator.name] if s.commentator else None,
                    list(s.paragraphs),
                ]
                for s in self.sections
            ],
        }
        blob = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def full_text(self) -> str:
        """All printed text, for recognising cluster names."""
        parts = [self.kicker, self.title, self.subtitle, *self.lead]
        for section in self.sections:
            parts.append(section.heading)
            parts.extend(section.paragraphs)
        return "\n".join(parts)

    def as_record(self, clusters: Sequence[str] | None = None) -> dict:
        """The article JSON schema of DESIGN.md (without the export-only keys)."""
        return {
            "title": self.title,
            "kicker": self.kicker or None,
            "subtitle": self.subtitle or None,
            "credits": [{"role": c.role, "names": list(c.names)} for c in self.credits],
            "lead": list(self.lead),
            "sections": [
                {
                    "heading": s.heading,
                    "commentator": {
                        "title": s.commentator.title,
                        "name": s.commentator.name,
                    }
                    if s.commentator
                    else None,
                    "paragraphs": list(s.paragraphs),
                }
                for s in self.sections
            ],
            "clusters": list(clusters if clusters is not None else (self.clusters or [])),
        }


# --- bytes → text -------------------------------------------------------------------------


def decode_bytes(data: bytes, encoding: str = "utf-8") -> str:
    """Decode a file, refusing binary files and telling where a wrong encoding shows."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise ParseError(1, "文件是空的")
    if b"\x00" in data[:65536]:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ParseError(line, "这是二进制文件（含 NUL 字节），不是文本稿件")
    codec = encoding.lower().replace("_", "-")
    if codec in ("utf8", "utf-8"):
        codec = "utf-8-sig"
    try:
        text = data.decode(codec)
    except LookupError:
        raise ParseError(1, f"不认识的编码“{shown(encoding)}”") from None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        if codec == "utf-8-sig":
            reason = "文件不是 UTF-8 编码；GBK 编码的旧档请加 --encoding gbk"
        else:
            reason = f"文件不是 {encoding} 编码"
        raise ParseError(line, reason) from None
    return text


def normalise_text(text: str) -> list[str]:
    """Lines with line ends, odd spaces and invisible characters normalised; rejects binary junk."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = text.rstrip("\x1a")  # DOS end-of-file mark in old archives
    if match := CONTROL.search(text):
        char = match.group()
        line = text.count("\n", 0, match.start()) + 1
        raise ParseError(line, f"含有控制字符 U+{ord(char):04X}，可能是二进制文件")
    text = SPACES.sub(" ", INVISIBLE.sub("", text))
    return [line.strip() for line in text.split("\n")]


# --- text → ParsedArticle -----------------------------------------------------------------


def parse_bytes(data: bytes, encoding: str = "utf-8") -> ParsedArticle:
    return parse_text(decode_bytes(data, encoding))


def parse_text(text: str) -> ParsedArticle:
    """Parse one article in the paper's text format (see the module docstring)."""
    lines = normalise_text(text)
    filled = [(number, line) for number, line in enumerate(lines, start=1) if line]
    if not filled:
        raise ParseError(1, "文件是空的")

    title_index = None
    for index, (number, line) in enumerate(filled):
        match = HEADING.match(line)
        if match and len(match.group(1)) == 1:
            title_index = index
            break
        if match:
            raise ParseError(number, "在“# ”标题之前出现了小节标题；缺少以“# ”开头的标题行")
    if title_index is None:
        raise ParseError(filled[0][0], "缺少以“# ”开头的标题行")

    title_line, title_text = filled[title_index]
    title = title_text[2:].strip()
    if not title:
        raise ParseError(title_line, "标题是空的")

    before = filled[:title_index]
    if len(before) > 1:
        raise ParseError(before[0][0], "标题前只能有一行引题；其余文字请放到标题之后")
    kicker = KICKER_PREFIX.sub("", before[0][1]).strip() if before else ""
    if before and (HEADING.match(before[0][1]) or before[0][1].startswith("■")):
        raise ParseError(before[0][0], "标题前的这一行不能作引题")

    rest = filled[title_index + 1 :]
    subtitle = ""
    if rest and not HEADING.match(rest[0][1]):
        line = rest[0][1]
        if SUBTITLE_PREFIX.match(line):
            subtitle = SUBTITLE_PREFIX.sub("", line).strip()
            rest = rest[1:]
        elif SUBTITLE_DASHES.match(line) and len(line) > 2:
            subtitle = SUBTITLE_DASHES.sub("", line).strip()
            rest = rest[1:]

    credits: tuple[ParsedCredit, ...] = ()
    if rest and rest[0][1].startswith("■"):
        credits = parse_credit_line(rest[0][1], rest[0][0])
        rest = rest[1:]

    rejoined: list[Rejoin] = []
    lead_lines: list[tuple[int, str]] = []
    section_blocks: list[tuple[int, str, list[tuple[int, str]]]] = []
    for number, line in rest:
        match = HEADING.match(line)
        level = len(match.group(1)) if match else 0
        if level == 1:
            raise ParseError(number, "一个文件只能有一个“# ”标题（一篇稿件）")
        if level == 2:
            heading = (match.group(2) or "").strip()
            if not heading:
                raise ParseError(number, "小节标题是空的")
            section_blocks.append((number, heading, []))
            continue
        if level > 3:
            raise ParseError(number, "不支持四级及以下标题：小标题请用“### ”")
        if level == 3:
            subheading = (match.group(2) or "").strip()
            if not subheading:
                raise ParseError(number, "小标题是空的")
            line = f"### {subheading}"
        elif line.startswith("■") and not section_blocks and not lead_lines:
            raise ParseError(number, "署名行只能有一行，且紧跟标题")
        (section_blocks[-1][2] if section_blocks else lead_lines).append((number, line))

    lead = rejoin_paragraphs(lead_lines, rejoined)
    sections = []
    for number, heading, body in section_blocks:
        commentator = None
        if body and (commentator := parse_commentator_line(body[0][1])):
            body = body[1:]
        paragraphs = rejoin_paragraphs(body, rejoined)
        if not any(not p.startswith("### ") for p in paragraphs):
            raise ParseError(number, f"小节“{shown(heading)}”没有正文")
        sections.append(ParsedSection(heading, commentator, tuple(paragraphs)))

    if not lead and not sections:
        raise ParseError(title_line, "稿件只有标题，没有正文")
    return ParsedArticle(
        title=title,
        kicker=kicker,
        subtitle=subtitle,
        credits=credits,
        lead=tuple(lead),
        sections=tuple(sections),
        rejoined=rejoined,
        line=before[0][0] if before else title_line,
    )


def parse_credit_line(line: str, number: int) -> tuple[ParsedCredit, ...]:
    """``■统筹/本报记者 罗文鹏 整理/本报记者 姚永军 许珂 摄影/黄沐`` → credit groups in print order."""
    body = line.lstrip("■").replace("\uff0f", "/").replace("：", "/").replace(":", "/").strip()
    if not body:
        raise ParseError(number, "署名行是空的")
    groups: list[list] = []  # [role, qualifier, names]

    def start(role: str, qualifier: str = "") -> None:
        groups.append([role, qualifier, []])

    for token in body.split(" "):
        if "/" in token:
            parts = token.split("/")
            if not all(parts):
                raise ParseError(number, f"署名“{shown(token)}”的写法不对：应为“角色/姓名”")
            roles = [parts[0]]
            for part in parts[1:]:
                if part in KNOWN_ROLES:
                    roles.append(part)
                else:
                    break
            remainder = parts[len(roles) :]
            if len(remainder) > 1:
                raise ParseError(number, f"署名“{shown(token)}”的写法不对：应为“角色/姓名”")
            start("/".join(roles))
            if remainder:
                word = remainder[0]
                if qualified_role(word):
                    groups[-1][1] = word
                else:
                    groups[-1][2].append(word)
        elif role := qualified_role(token):
            if groups and not groups[-1][2] and not groups[-1][1]:
                groups[-1][1] = token  # "文/图 本报记者 王五": the qualifier of the open group
            else:
                start(role, token)
        elif token in KNOWN_ROLES:
            start(token)
        elif not groups:
            raise ParseError(number, f"署名行以“{shown(token)}”开头，但没有写角色（如“记者”“统筹/”）")
        else:
            groups[-1][2].append(token)

    credits = []
    for role, qualifier, names in groups:
        if not names:
            raise ParseError(number, f"署名“{shown(role)}”后面缺少姓名")
        credits.append(ParsedCredit(role=role, names=tuple(names), qualifier=qualifier))
    return tuple(credits)


def qualified_role(token: str) -> str:
    """``本报记者`` → ``记者``; anything else → ``""``."""
    for prefix in QUALIFIER_PREFIXES:
        if token.startswith(prefix) and token[len(prefix) :] in KNOWN_ROLES:
            return token[len(prefix) :]
    return ""


def parse_commentator_line(line: str) -> ParsedCommentator | None:
    """``市人大代表 夏君山`` or ``市政协委员、企业家 张三`` → commentator; other lines → None."""
    parts = line.split(" ")
    if len(parts) != 2:
        return None
    title, name = parts
    if len(title) > 40 or not CJK_NAME.match(name):
        return None
    if not any(word in title for word in COMMENTATOR_TITLE_WORDS):
        return None
    if title[-1] in CLOSING_PUNCTUATION or HEADING.match(line):
        return None
    return ParsedCommentator(title=title, name=name)


def has_punctuation(text: str) -> bool:
    return any(unicodedata.category(char) in PUNCTUATION_CATEGORIES for char in text)


def is_heading_like(text: str) -> bool:
    return text.startswith("### ") or (len(text) <= HEADING_LIKE_MAX_CHARS and not has_punctuation(text))


# ---------------------------------------------------------------------------------------------
# Words across the break: jieba's dictionary (the word list of PyPI's ``jieba``, read as a file —
# this module imports neither jieba nor Django), loaded once, on the first join that needs it.

# How many Han characters on each side of the break the segmentation looks at.
STRADDLE_WINDOW = 6
WORD_MAX_CHARS = 8  # longer dictionary entries (idioms, names) do not decide a break


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


@lru_cache(maxsize=1)
def word_frequencies() -> tuple[dict[str, int], float]:
    """jieba's dictionary as {word: frequency} (words of 2 to WORD_MAX_CHARS characters, plus
    every single character listed) and the log of the total frequency."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        return {}, 0.0
    path = Path(spec.origin).with_name("dict.txt")
    frequencies: dict[str, int] = {}
    total = 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            word, _, rest = line.partition(" ")
            count = int(rest.split(" ", 1)[0] or 0)
            total += count
            if len(word) <= WORD_MAX_CHARS and count:
                frequencies[word] = count
    return frequencies, math.log(total or 1)


def _segment(text: str) -> list[str]:
    """The most probable segmentation of ``text`` by word frequency (jieba's route without its HMM)."""
    frequencies, log_total = word_frequencies()
    n = len(text)
    route: list[tuple[float, int]] = [(0.0, n)] * (n + 1)
    for i in range(n - 1, -1, -1):
        best = (-math.inf, i + 1)
        for j in range(i + 1, min(n, i + WORD_MAX_CHARS) + 1):
            count = frequencies.get(text[i:j])
            if count is None and j > i + 1:
                continue
            score = math.log(count or 1) - log_total + route[j][0]
            if score > best[0]:
                best = (score, j)
        route[i] = best
    words, i = [], 0
    while i < n:
        j = route[i][1]
        words.append(text[i:j])
        i = j
    return words


def _complete(part: str) -> bool:
    """A word of its own: a dictionary entry of two or more characters."""
    return len(part) >= 2 and part in word_frequencies()[0]


def straddles(before: str, after: str) -> bool:
    """Whether a word straddles the break: segmenting the characters on both sides together puts
    a dictionary word across it (``在规`` / ``划…`` → 规划) whose two halves are not words of their
    own (``新能源`` / ``汽车`` is two words, each complete: a heading may end with the first)."""
    if not before or not after or not _is_han(before[-1]) or not _is_han(after[0]):
        return False
    left = ""
    for char in reversed(before[-STRADDLE_WINDOW:]):
        if not _is_han(char):
            break
        left = char + left
    right = ""
    for char in after[:STRADDLE_WINDOW]:
        if not _is_han(char):
            break
        right += char
    start = 0
    for word in _segment(left + right):
        end = start + len(word)
        if start < len(left) < end:
            head, tail = word[: len(left) - start], word[len(left) - start :]
            return not _complete(head) and not _complete(tail)
        start = end
    return False


def continues(before: str, after: str) -> bool:
    """The page-break rule of the module docstring: does ``after`` continue ``before``'s sentence?"""
    if after.startswith("### ") or LIST_ITEM.match(before) or LIST_ITEM.match(after):
        return False
    if straddles(before, after):
        return True
    if before[-1] in CLOSING_PUNCTUATION:
        return False
    if is_heading_like(before) or is_heading_like(after):
        return False
    return not (LIST_ITEM.match(before) or LIST_ITEM.match(after))


def rejoin_paragraphs(lines: Sequence[tuple[int, str]], rejoined: list[Rejoin]) -> list[str]:
    paragraphs: list[str] = []
    last_line = 0  # the line the last paragraph's last piece came from: the first half of a join
    for number, line in lines:
        if paragraphs and continues(paragraphs[-1], line):
            rejoined.append(Rejoin(line=last_line, before=paragraphs[-1][-6:], after=line[:6]))
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
        last_line = number
    return paragraphs


def find_clusters(text: str, names_by_cluster: Mapping[str, Iterable[str]]) -> list[str]:
    """Canonical names of the clusters whose name, short name or an alias occurs in ``text``.

    ``names_by_cluster`` maps each canonical name to the names it is recognised by, in the
    order the clusters should be listed.
    """
    return [canonical for canonical, names in names_by_cluster.items() if any(name and name in text for name in names)]


# --- JSON records (the export format) -----------------------------------------------------


def parse_jsonl(text: str) -> list[ParsedArticle]:
    """One record per non-blank line; the first bad line fails the whole file.

    Whatever a line holds — deeply nested lists, numbers with thousands of digits, a wrong type
    in every field — it ends as ParseError(line, reason), never as another exception.
    """
    articles = []
    lines = text.removeprefix("\ufeff").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as error:
            raise ParseError(number, f"不是有效的 JSON：第 {error.colno} 列附近有误") from None
        except RecursionError:
            raise ParseError(number, "JSON 嵌套太深") from None
        except ValueError:  # e.g. an integer longer than Python converts (4,300 digits)
            raise ParseError(number, "JSON 中的数字太大") from None
        try:
            articles.append(parse_record(obj, number))
        except ParseError:
            raise
        except (TypeError, ValueError, OverflowError, RecursionError):
            raise ParseError(number, "记录的结构不对：请对照导出格式检查各字段的类型") from None
    if not articles:
        raise ParseError(1, "文件是空的")
    return articles


def shown(value: object, limit: int = 20) -> str:
    """A value from the input, short and printable, for an error message."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)[:200]
    text = CONTROL.sub("\ufffd", text)
    return text if len(text) <= limit else text[:limit] + "…"


def parse_record(obj: object, line: int = 1) -> ParsedArticle:
    """One exported article (DESIGN.md's schema) → ParsedArticle, checking every field."""

    def fail(reason: str):
        raise ParseError(line, reason)

    # Text is kept as exported (only trimmed), so export → import → export gives the same lines.
    def text(value, key: str, *, required: bool = False, multiline: bool = False) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            fail(f"“{key}”应为字符串")
        value = value.strip()
        if multiline:
            if BLANK_LINE.search(value):
                fail(f"“{key}”的一段之内不能有空行：每段应是列表中的一项")
        elif "\n" in value:
            fail(f"“{key}”不能含换行")
        if CONTROL.search(value):
            fail(f"“{key}”含有控制字符")
        if required and not value:
            fail(f"“{key}”不能为空")
        return value

    def text_list(value, key: str, *, multiline: bool = False) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            fail(f"“{key}”应为字符串列表")
        return tuple(text(item, key, required=True, multiline=multiline) for item in value)

    def objects(key: str):
        """Each object of the list under ``key`` (none when it is absent)."""
        items = obj.get(key) or []
        if not isinstance(items, list):
            fail(f"“{key}”应为列表")
        for item in items:
            if not isinstance(item, dict):
                fail(f"“{key}”的每一项应为对象")
            yield item

    def parsed(key: str, parse, message: str):
        """The value under ``key`` read by ``parse`` (None when absent); ``message`` if it cannot be."""
        if obj.get(key) is None:
            return None
        try:
            return parse(text(obj[key], key))
        except ValueError:
            fail(message)

    if not isinstance(obj, dict):
        fail("每行应是一个 JSON 对象")
    title = text(obj.get("title"), "title", required=True)

    credits = []
    for credit in objects("credits"):
        names = text_list(credit.get("names"), "credits.names")
        if not names:
            fail("署名缺少姓名")
        credits.append(
            ParsedCredit(
                role=text(credit.get("role"), "credits.role", required=True),
                names=names,
            )
        )

    sections = []
    for section in objects("sections"):
        heading = text(section.get("heading"), "sections.heading")
        commentator = section.get("commentator")
        if commentator is not None:
            if not isinstance(commentator, dict):
                fail("“commentator”应为对象或 null")
            commentator = ParsedCommentator(
                title=text(commentator.get("title"), "commentator.title"),
                name=text(commentator.get("name"), "commentator.name", required=True),
            )
        paragraphs = text_list(section.get("paragraphs"), "sections.paragraphs", multiline=True)
        if not paragraphs:
            fail(f"小节“{shown(heading)}”没有正文")
        sections.append(ParsedSection(heading=heading, commentator=commentator, paragraphs=paragraphs))

    lead = text_list(obj.get("lead"), "lead", multiline=True)
    if not lead and not sections:
        fail("稿件只有标题，没有正文")

    clusters = obj.get("clusters")
    if clusters is not None:
        clusters = list(text_list(clusters, "clusters"))

    status = obj.get("status")
    if status is not None and (not isinstance(status, str) or status not in STATUSES):
        fail(f"未知的状态“{shown(status)}”，应为 {'、'.join(STATUSES)} 之一")

    published_at = parsed("published_at", datetime.fromisoformat, "“published_at”应为带时区的 ISO 8601 时间")
    if published_at is not None:
        if published_at.tzinfo is None:
            fail("“published_at”应为带时区的 ISO 8601 时间")
        try:
            published_at.astimezone(UTC)  # year 1 or 9999 with an offset: no such moment in UTC
        except OverflowError:
            fail("“published_at”超出可用范围")

    issue_date = parsed("issue_date", date.fromisoformat, "“issue_date”应为 YYYY-MM-DD")

    issue_number = obj.get("issue_number")
    if issue_number is not None and (
        isinstance(issue_number, bool) or not isinstance(issue_number, int) or not 0 < issue_number < 2**31
    ):
        fail("“issue_number”应为正整数或 null")

    page = None
    if obj.get("page") is not None:
        raw_page = obj["page"]
        if not isinstance(raw_page, dict):
            fail('“page”应为 {"number": …, "name": …} 或 null')
        page = ParsedPage(
            number=text(raw_page.get("number"), "page.number", required=True),
            name=text(raw_page.get("name"), "page.name"),
        )
        if issue_date is None:
            fail("有“page”就要有“issue_date”")

    regions = []
    raw_regions = obj.get("regions") or []
    if not isinstance(raw_regions, list):
        fail("“regions”应为列表")
    for region in raw_regions:
        if not isinstance(region, dict) or not isinstance(region.get("page"), dict):
            fail('“regions”的每一项应为 {"page": {"date": …, "number": …}, "polygon": [[x, y], …]}')
        try:
            region_date = date.fromisoformat(text(region["page"].get("date"), "regions.page.date", required=True))
        except ValueError:
            fail("“regions.page.date”应为 YYYY-MM-DD")
        polygon = region.get("polygon")
        if not isinstance(polygon, list) or not all(
            isinstance(point, list)
            and len(point) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in point)
            for point in polygon
        ):
            fail("“regions.polygon”应为 [[x, y], …] 的数对列表")
        regions.append(
            ParsedRegion(
                issue_date=region_date,
                page_number=text(region["page"].get("number"), "regions.page.number", required=True).upper(),
                polygon=tuple((point[0], point[1]) for point in polygon),
            )
        )

    return ParsedArticle(
        line=line,
        title=title,
        kicker=text(obj.get("kicker"), "kicker"),
        subtitle=text(obj.get("subtitle"), "subtitle"),
        credits=tuple(credits),
        lead=lead,
        sections=tuple(sections),
        tags=text_list(obj.get("tags"), "tags"),
        clusters=clusters,
        # Where it was printed, and when published.
        issue_date=issue_date,
        issue_number=issue_number,
        page=page,
        regions=tuple(regions),
        status=status,
        published_at=published_at,
    )


def parse_file(name: str, data: bytes, encoding: str = "utf-8") -> list[ParsedArticle]:
    """A ``.jsonl`` file holds exported records, one a line; any other file one article as text."""
    text = decode_bytes(data, encoding)
    articles = parse_jsonl(text) if name.lower().endswith(".jsonl") else [parse_text(text)]
    for article in articles:
        article.import_key  # noqa: B018 (cached, and carried back from a worker process)
    return articles
