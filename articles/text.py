"""Body text is plain text: a blank line separates paragraphs, "### " starts a subheading."""

import re

SUBHEADING_PREFIX = "### "
_BLANK_LINES = re.compile(r"\n[ \t\u3000]*\n")


def split_paragraphs(text: str) -> list[str]:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return [p.strip() for p in _BLANK_LINES.split(text) if p.strip()]


def join_paragraphs(paragraphs: list[str]) -> str:
    return "\n\n".join(p.strip() for p in paragraphs if p and p.strip())


def is_subheading(paragraph: str) -> bool:
    return paragraph.startswith(SUBHEADING_PREFIX)


# What a list shows of an article's lead or a commentator's words, in characters, cut by excerpt().
# The database hands over a little more than is shown (cheap: a prefix of the text), so excerpt()
# can tell a text that ends from one that goes on, and find where a sentence or clause ends.
EXCERPT_CHARS = 90
EXCERPT_FETCH_CHARS = EXCERPT_CHARS + 30

# Where an excerpt may end without "…": after a full stop, question or exclamation mark (and a
# closing quote or bracket that follows it). At a clause mark (；，、：) it ends with "…" instead of
# the mark. Either must fall within the last EXCERPT_SLACK of the limit, or the excerpt would be
# much shorter than its room; otherwise the text is cut at the limit, never inside a run of
# Latin letters or digits, and "…" added.
SENTENCE_ENDS = "。！？!?"
CLAUSE_ENDS = "；，、：;,"
CLOSERS = "”’」』）)》〉】"  # noqa: RUF001 (Chinese quotation marks)
OPENERS = "“‘「『（(《〈【"  # noqa: RUF001
EXCERPT_SLACK = 0.3
ELLIPSIS = "…"
_SUBHEADING = re.compile(r"^#{3}\s+")
_WORD_CHAR = re.compile(r"[0-9A-Za-z.%\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff05]")  # and full-width forms
_SPACES = re.compile(r"\s+")
_CJK_PUNCTUATION = {c for c in SENTENCE_ENDS + CLAUSE_ENDS + CLOSERS if not c.isascii()}


def _flatten(text: str) -> str:
    """Paragraphs on one line: subheading marks dropped; after Chinese punctuation the next
    paragraph follows directly, after anything else (a subheading, Latin text) a space."""
    paragraphs = [_SUBHEADING.sub("", p.strip()) for p in re.split(r"\n\s*\n", text or "")]
    flat = ""
    for paragraph in (_SPACES.sub(" ", p) for p in paragraphs if p.strip()):
        if flat:
            flat += "" if flat[-1] in _CJK_PUNCTUATION else " "
        flat += paragraph
    return flat


def _is_clause_end(flat: str, i: int) -> bool:
    """A clause mark at i; a comma between digits (1,000) is part of a number."""
    if flat[i] not in CLAUSE_ENDS:
        return False
    return not (flat[i] in ",:" and flat[i - 1 : i].isdigit() and flat[i + 1 : i + 2].isdigit())


def excerpt(text: str, limit: int = EXCERPT_CHARS, *, continues: bool = False) -> str:
    """At most ``limit`` characters of ``text`` that end where a reader expects them to.

    Text no longer than the limit comes back whole (paragraphs run together), without "…".
    ``continues`` says the text given is itself a prefix of something longer (a database
    ``Left()``), so even a short one is marked as going on.
    """
    flat = _flatten(text)
    if len(flat) <= limit:
        if continues and flat and flat[-1] not in SENTENCE_ENDS + CLOSERS:
            return flat.rstrip(CLAUSE_ENDS + OPENERS + " ") + ELLIPSIS
        return flat
    earliest = int(limit * (1 - EXCERPT_SLACK))
    # A sentence end (with the closing marks after it) that fits whole.
    for end in range(limit, earliest, -1):
        head = flat[:end]
        stripped = head.rstrip(CLOSERS)
        if stripped and stripped[-1] in SENTENCE_ENDS and flat[end] not in CLOSERS:
            return head
    # A clause end: the clause mark gives way to "…".
    for end in range(limit - 1, earliest, -1):
        if _is_clause_end(flat, end):
            return flat[:end].rstrip(OPENERS + " ") + ELLIPSIS
    # No mark near the limit: cut there, but not inside a number or a Latin word.
    end = limit - 1
    while end > earliest and _WORD_CHAR.match(flat[end - 1]) and _WORD_CHAR.match(flat[end]):
        end -= 1
    if end == earliest:
        end = limit - 1
    return flat[:end].rstrip(CLAUSE_ENDS + OPENERS + " ") + ELLIPSIS
