"""Highlighted, escaped snippets of the text around a match.

Matching happens on normalised text (so 衡陽 highlights 衡阳, and full-width letters match ASCII); the
character offsets map the match back onto the original text, which is what is shown, with
every piece escaped and only our own <mark> tags added.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from search.text import normalize, normalize_with_offsets

SNIPPET_CONTEXT = 60


def _spans(normalized: str, terms: tuple[str, ...]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans of the terms in normalised text, in order."""
    found = []
    for term in terms:
        start = normalized.find(term)
        while start != -1:
            found.append((start, start + len(term)))
            start = normalized.find(term, start + 1)
    found.sort(key=lambda span: (span[0], -span[1]))
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def highlight(original: str, terms: tuple[str, ...], *, window: int | None = None) -> SafeString:
    """The text (or a window of it around the first match) with matches in <mark>."""
    if not original:
        return mark_safe("")
    normalized, offsets = normalize_with_offsets(original)
    spans = [(offsets[s], offsets[e]) for s, e in _spans(normalized, terms)] if terms else []
    lo, hi = 0, len(original)
    if window is not None:
        if spans:
            lo = max(0, spans[0][0] - window)
            hi = min(len(original), spans[0][1] + window * 2)
        else:
            hi = min(len(original), window * 3)
    pieces = ["…" if lo > 0 else ""]
    cursor = lo
    for start, end in spans:
        if end <= lo or start >= hi:
            continue
        start, end = max(start, lo), min(end, hi)
        pieces.append(escape(original[cursor:start]))
        pieces.append(format_html("<mark>{}</mark>", original[start:end]))
        cursor = end
    pieces.append(escape(original[cursor:hi]))
    if hi < len(original):
        pieces.append("…")
    return mark_safe("".join(str(p) for p in pieces))  # every piece above is escaped


@dataclass
class Snippet:
    html: SafeString
    section_heading: str = ""
    commentator_name: str = ""
    commentator_title: str = ""
    terms: tuple[str, ...] = ()

    @property
    def voice(self) -> SafeString:
        """ "市人大代表 夏君山：heading" (or the heading alone), highlighted, for a match in a section."""
        line = f"{self.commentator_title} {self.commentator_name}".strip()
        if self.section_heading:
            line = f"{line}：{self.section_heading}" if line else self.section_heading
        return highlight(line, self.terms)


def _contains_any(text: str, terms: tuple[str, ...]) -> bool:
    normalized = normalize(text)
    return any(t in normalized for t in terms)


def article_snippet(article, terms: tuple[str, ...]) -> Snippet:
    """The first paragraph that matches (lead, then sections in order), else the lead's start.

    A match in a section (its heading, text or commentator) names that section's commentator.
    """
    for paragraph in article.lead_paragraphs:
        if terms and _contains_any(paragraph, terms):
            return Snippet(highlight(paragraph, terms, window=SNIPPET_CONTEXT))
    for section in article.sections.all():
        commentator = section.commentator
        name = commentator.name if commentator else ""
        heading_hit = terms and _contains_any(section.heading, terms)
        name_hit = terms and name and _contains_any(name, terms)
        paragraphs = section.paragraphs
        for paragraph in paragraphs:
            if terms and _contains_any(paragraph, terms):
                return Snippet(
                    highlight(paragraph.removeprefix("### "), terms, window=SNIPPET_CONTEXT),
                    section.heading,
                    name,
                    section.commentator_title,
                    terms,
                )
        if heading_hit or name_hit:
            first = paragraphs[0].removeprefix("### ") if paragraphs else ""
            return Snippet(
                highlight(first, terms, window=SNIPPET_CONTEXT),
                section.heading,
                name,
                section.commentator_title,
                terms,
            )
    lead = article.lead_paragraphs
    if lead:
        return Snippet(highlight(lead[0], terms, window=SNIPPET_CONTEXT))
    for section in article.sections.all():
        if section.paragraphs:
            return Snippet(
                highlight(
                    section.paragraphs[0].removeprefix("### "),
                    terms,
                    window=SNIPPET_CONTEXT,
                )
            )
    return Snippet(mark_safe(""))
