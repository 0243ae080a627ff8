"""Template helpers for text: excerpts that end where a reader expects them to."""

from django import template

from articles.text import EXCERPT_CHARS, EXCERPT_FETCH_CHARS
from articles.text import excerpt as cut_excerpt

register = template.Library()


@register.filter
def excerpt(value, limit=EXCERPT_CHARS):
    """``{{ article.excerpt|excerpt }}``: the prefix the list query fetched, cut for showing.

    A prefix as long as the query fetches may be cut short by the database, so it is shown as
    going on even when what is left after running the paragraphs together fits.
    """
    value = value or ""
    return cut_excerpt(value, int(limit), continues=len(value) >= EXCERPT_FETCH_CHARS)


@register.filter
def without_controls(value):
    """A reader's own text echoed into a page, without control characters (NUL and the like),
    which are never valid in HTML."""
    return "".join(c for c in str(value or "") if c in "\t\n" or (ord(c) >= 32 and ord(c) != 127))
