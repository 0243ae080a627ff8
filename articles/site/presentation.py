"""How an article is printed for readers: credit line, print line, citation, structured data.

Pure functions over model instances (no queries of their own), so the article page stays at a
fixed number of queries and these rules can be tested without a request.
"""

import json
from dataclasses import dataclass, field
from itertools import groupby

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from articles.text import SUBHEADING_PREFIX, excerpt

PAPER_NAME = "衡阳日报"


@dataclass(frozen=True)
class StaticImage:
    """An image shipped with the site (static/img/README.md says how it was drawn)."""

    path: str  # under static/
    width: int
    height: int


# The publisher's logo in structured data: the masthead, 600 × 60 as search engines ask.
LOGO = StaticImage("img/logo-600x60.png", 600, 60)
# What an article without a photo shows when shared or listed by a search engine: the seal.
FALLBACK_IMAGE = StaticImage("img/logo-512.png", 512, 512)
# Characters of the lead in the structured data's description and in the page's meta description.
DESCRIPTION_CHARS = 200
META_DESCRIPTION_CHARS = 120

# Roles that make the text, as opposed to organising it, editing it or taking its photos: the
# citation names these people as authors (GB/T 7714 lists at most three, then "等").
NON_AUTHOR_ROLES = {
    "统筹",
    "策划",
    "摄影",
    "图",
    "编辑",
    "责任编辑",
    "校对",
    "美编",
    "制图",
}


@dataclass
class CreditGroup:
    """Consecutive credits with the same role, printed once: 整理/本报记者 姚永军 罗文鹏."""

    role: str
    segments: list[tuple[str, list[str]]] = field(default_factory=list)  # (qualifier, names)

    @property
    def role_label(self) -> str:
        """The role as it precedes the names in print.

        "统筹/" for most roles; "文/图 " where the role itself holds a slash; nothing where the
        qualifier already says it (本报记者 for 记者, 本报通讯员 for 通讯员).
        """
        qualifiers = [q for q, _ in self.segments if q]
        if qualifiers and all(q.endswith(self.role) for q in qualifiers):
            return ""
        if "/" in self.role:
            return f"{self.role} "
        return f"{self.role}/"

    @property
    def text(self) -> str:
        parts = [" ".join([q, *names]) if q else " ".join(names) for q, names in self.segments]
        return self.role_label + " ".join(parts)


def credit_groups(credits) -> list[CreditGroup]:
    """Group credits (already in print order) by consecutive role, then by consecutive qualifier."""
    groups = []
    for role, same_role in groupby(credits, key=lambda c: c.role):
        group = CreditGroup(role=role)
        for qualifier, same_qualifier in groupby(same_role, key=lambda c: c.qualifier):
            group.segments.append((qualifier, [c.contributor.name for c in same_qualifier]))
        groups.append(group)
    return groups


def credit_line(credits) -> str:
    return " ".join(group.text for group in credit_groups(credits))


def print_line(article) -> str:
    """Where the article sat in the paper: 刊于《衡阳日报》2019年1月8日 第A04版 两会特刊."""
    if not article.page_id:
        return ""
    page = article.page
    day = page.issue.date
    line = f"刊于《{PAPER_NAME}》{day.year}年{day.month}月{day.day}日 第{page.number}版"
    return f"{line} {page.name}" if page.name else line


def blocks(paragraphs: list[str]) -> list[tuple[str, str]]:
    """Paragraphs as ("h", text) for a subheading ("### " stripped) or ("p", text)."""
    return [
        ("h", p[len(SUBHEADING_PREFIX) :].strip()) if p.startswith(SUBHEADING_PREFIX) else ("p", p) for p in paragraphs
    ]


def author_names(credits) -> list[str]:
    names = []
    for credit in credits:
        if credit.role not in NON_AUTHOR_ROLES and credit.contributor.name not in names:
            names.append(credit.contributor.name)
    return names


def citation(article, url: str) -> str:
    """A suggested citation in the GB/T 7714 style for newspapers, with the permalink.

    罗文鹏, 许珂, 等. 题名[N]. 衡阳日报, 2019-01-08(A04). https://…/articles/1/
    Web-only pieces are cited as electronic resources: 题名[EB/OL]. 衡阳日报, (2019-01-08). url
    """
    names = author_names(article.credits.all())
    authors = ", ".join(names[:3]) + (", 等" if len(names) > 3 else "")
    prefix = f"{authors}. " if authors else ""
    if article.page_id:
        day = article.page.issue.date
        return f"{prefix}{article.title}[N]. {PAPER_NAME}, {day:%Y-%m-%d}({article.page.number}). {url}"
    published = timezone.localtime(article.published_at) if article.published_at else None
    when = f"({published:%Y-%m-%d})" if published else ""
    return f"{prefix}{article.title}[EB/OL]. {PAPER_NAME}, {when}. {url}".replace(", .", ".")


_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld(data: dict) -> SafeString:
    """JSON for a <script type="application/ld+json"> element.

    json_script only writes type="application/json", so this escapes the same way it does:
    <, > and & become \\u escapes, so a title containing </script> cannot end the element.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(text.translate(_JSON_SCRIPT_ESCAPES))  # escaped just above


def news_article_data(article, *, url: str, image_urls: list[str], logo_url: str, fallback_image_url: str) -> dict:
    """schema.org NewsArticle for the article page.

    ``image`` is always there (search engines want one for a news result): the article's photos,
    or the paper's seal (FALLBACK_IMAGE) when it has none; ``publisher.logo`` is the masthead.
    The URLs are absolute; the caller knows the host.
    """
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "url": url,
        "mainEntityOfPage": url,
        "inLanguage": "zh-CN",
        "image": image_urls
        or [
            {
                "@type": "ImageObject",
                "url": fallback_image_url,
                "width": FALLBACK_IMAGE.width,
                "height": FALLBACK_IMAGE.height,
            }
        ],
        "publisher": {
            "@type": "Organization",
            "name": PAPER_NAME,
            "logo": {"@type": "ImageObject", "url": logo_url, "width": LOGO.width, "height": LOGO.height},
        },
        "author": [{"@type": "Person", "name": name} for name in author_names(article.credits.all())]
        or [{"@type": "Organization", "name": PAPER_NAME}],
    }
    if article.subtitle:
        data["alternativeHeadline"] = article.subtitle
    if article.published_at:
        data["datePublished"] = timezone.localtime(article.published_at).isoformat()
    if article.published_at:
        # The last change to the text, never before publication (not updated_at: imports,
        # refiling and workflow steps move that without changing a word).
        modified = max(article.content_changed_at or article.published_at, article.published_at)
        data["dateModified"] = timezone.localtime(modified).isoformat()
    if lead := article.lead_paragraphs:
        data["description"] = excerpt(lead[0], DESCRIPTION_CHARS)
    keywords = [tag.name for tag in article.tags.all()] + [c.name for c in article.clusters.all()]
    if keywords:
        data["keywords"] = keywords
    if article.page_id:
        data["printPage"] = article.page.number
        if article.page.name:
            data["printSection"] = article.page.name
        data["printEdition"] = article.page.issue.date.isoformat()
    return data
