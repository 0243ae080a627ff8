"""Parsing what a reader types into the search box.

Spaces separate terms that must all occur; "a quoted phrase" (ASCII or Chinese quotes) is
one term, spaces included; a leading minus excludes a term. Everything else is literal:
punctuation, %, _, quotes inside words and SQL-looking text are searched for as written.
"""

from dataclasses import dataclass, field

from search.text import normalize

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12

_OPEN_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』"}


class QueryError(ValueError):
    """The query can't be searched; the message is shown to the reader."""


@dataclass(frozen=True)
class ParsedQuery:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    raw: str = ""
    terms_for_highlight: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_empty(self) -> bool:
        return not self.include and not self.exclude

    def __str__(self):
        parts = [_show(t) for t in self.include] + ["-" + _show(t) for t in self.exclude]
        return " ".join(parts)

    @property
    def shown_include(self) -> list[str]:
        """The terms that must occur, as a page names them."""
        return [_show(t) for t in self.include]

    @property
    def shown_exclude(self) -> list[str]:
        """The terms that must not occur, as a page names them (without their minus sign)."""
        return [_show(t) for t in self.exclude]


def _show(term: str) -> str:
    return f'"{term}"' if " " in term or term.startswith("-") else term


def parse_query(raw: str | None) -> ParsedQuery:
    raw = raw or ""
    if len(raw) > MAX_QUERY_LENGTH:
        raise QueryError(f"检索词过长：最多 {MAX_QUERY_LENGTH} 个字符，请缩短后再试。")
    text = normalize(raw)
    include: list[str] = []
    exclude: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == " ":
            i += 1
            continue
        negative = False
        if text[i] == "-" and i + 1 < n and text[i + 1] != " ":
            negative = True
            i += 1
        if text[i] in _OPEN_QUOTES:
            closing = _OPEN_QUOTES[text[i]]
            end = text.find(closing, i + 1)
            if end == -1:
                end = n  # an unclosed quote runs to the end, as a reader would mean it
            term = text[i + 1 : end].strip(" ")
            i = end + 1
        else:
            end = text.find(" ", i)
            if end == -1:
                end = n
            term = text[i:end]
            i = end
        if not term:
            continue
        target = exclude if negative else include
        if term not in target:
            target.append(term)
    if len(include) + len(exclude) > MAX_TERMS:
        raise QueryError(f"检索词太多：最多 {MAX_TERMS} 个，请减少后再试。")
    # A term that contains another adds nothing to the highlight; longest first wins.
    highlight = tuple(sorted(include, key=len, reverse=True))
    return ParsedQuery(tuple(include), tuple(exclude), raw, highlight)
