"""Compressing public pages when no proxy does it, without ever compressing a secret (BREACH).

Behind nginx (deploy/nginx/hengyang.conf.template) nginx compresses with gzip and brotli; this
middleware is for the embedded default (gunicorn or runserver facing readers directly) and is
off when ``DJANGO_BEHIND_PROXY=1`` unless ``DJANGO_COMPRESS_RESPONSES=1`` says otherwise.

BREACH recovers a secret from a compressed response when an attacker can make the victim's
browser fetch pages that reflect chosen text next to that secret (a CSRF token, a session's
data) and can watch the response sizes. So a response is compressed only when it can hold no
secret of the reader's:

- the request carried no session cookie and no Authorization header (the reader is anonymous:
  no staff page, no preview, no API token's view);
- the response sets no cookie (no new CSRF or session cookie);
- the page did not use a CSRF token (a form with ``{% csrf_token %}``: Django marks the request
  ``CSRF_COOKIE_NEEDS_UPDATE`` when the token is read);
- it is HTML, JSON, XML (feeds, sitemaps), CSS, JavaScript or plain text, not streamed, not
  already encoded, and at least ``MIN_LENGTH`` bytes.

Brotli (the ``brotli`` wheel, a dependency) is preferred when the client accepts it, else gzip.
Compressible responses always get ``Vary: Accept-Encoding``; a compressed one's strong ETag
becomes weak (the bytes differ; conditional GETs compare weakly and still answer 304).
"""

from __future__ import annotations

import gzip

from django.conf import settings
from django.utils.cache import patch_vary_headers

try:
    import brotli
except ImportError:  # pragma: no cover - brotli is a dependency; gzip alone still works
    brotli = None

MIN_LENGTH = 512
GZIP_LEVEL = 6
# 5: a news page (10 to 20 KB) 10 to 15 % smaller than gzip level 6 makes it, in about the same time (under 1 ms).
BROTLI_QUALITY = 5

COMPRESSIBLE_TYPES = frozenset(
    {
        "text/html",
        "text/css",
        "text/plain",
        "text/javascript",
        "text/xml",
        "application/javascript",
        "application/json",
        "application/ld+json",
        "application/xml",
        "application/rss+xml",
        "application/atom+xml",
        "image/svg+xml",
    }
)


def accepted_encodings(header: str) -> dict[str, float]:
    """{"br": 1.0, "gzip": 0.5, …} from an Accept-Encoding header; q=0 means refused."""
    accepted: dict[str, float] = {}
    for item in header.split(","):
        coding, _, params = item.strip().partition(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        accepted[coding] = quality
    return accepted


def choose_encoding(header: str) -> str | None:
    accepted = accepted_encodings(header)
    wildcard = accepted.get("*", 0.0)
    best, best_quality = None, 0.0
    for coding in ("br", "gzip") if brotli is not None else ("gzip",):
        quality = accepted.get(coding, wildcard)
        if quality > best_quality:
            best, best_quality = coding, quality
    return best


def compress(content: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(content, quality=BROTLI_QUALITY)
    return gzip.compress(content, compresslevel=GZIP_LEVEL, mtime=0)


def holds_no_secret(request, response) -> bool:
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META:
        return False
    if response.cookies or response.has_header("Set-Cookie"):
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or request.META.get("CSRF_COOKIE_USED"):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


class CompressionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(settings, "COMPRESS_RESPONSES", False):
            return response
        if response.streaming or response.has_header("Content-Encoding"):
            return response
        content_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if content_type not in COMPRESSIBLE_TYPES:
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if len(response.content) < MIN_LENGTH or response.status_code in (204, 304):
            return response
        encoding = choose_encoding(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        if encoding is None or not holds_no_secret(request, response):
            return response
        compressed = compress(response.content, encoding)
        if len(compressed) >= len(response.content):
            return response
        response.content = compressed
        response["Content-Length"] = str(len(compressed))
        response["Content-Encoding"] = encoding
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response["ETag"] = "W/" + etag
        return response
