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
