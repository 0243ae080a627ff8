"""A rate limit for readers' searches and exports, counted in the cache, per client address.

``SEARCH_RATE_LIMIT`` (default "30/m") and ``SEARCH_EXPORT_RATE_LIMIT`` ("5/m") are
"N/s", "N/m", "N/h" or "N/SECONDS": at most N requests per window from one address; an empty
value switches the limit off (settings turn both off when debugging, unless set). The counts
live in the default cache: with Redis (REDIS_URL) every app server shares them, with the
per-process memory cache each process counts for itself.

How addresses are counted: hengyang_cms.ratelimit (shared with the read API).

A window opens at an address's first request and lasts the rate's period. Over the limit a
request gets 429 with Retry-After (seconds until the window closes) and a short page in
Chinese. Staff accounts are never limited.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.shortcuts import render

from hengyang_cms.http import cache_privately
from hengyang_cms.ratelimit import client_address, parse_rate
from hengyang_cms.ratelimit import retry_after as counted_retry_after

__all__ = ["client_address", "parse_rate", "rate_limited", "retry_after"]

# The setting for each kind of request, and its value when the setting is absent.
SETTINGS = {"search": ("SEARCH_RATE_LIMIT", "30/m"), "export": ("SEARCH_EXPORT_RATE_LIMIT", "5/m")}


def _exempt(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def retry_after(kind: str, request) -> int | None:
    """Count this request; None when it is within the limit, else the seconds to wait."""
    if _exempt(request):
        return None
    setting, default = SETTINGS[kind]
    return counted_retry_after(request, name=f"search-{kind}", rate=getattr(settings, setting, default))


def rate_limited(kind: str):
    """Limit a view by the rate of ``kind``: "search" (SEARCH_RATE_LIMIT) or "export"
    (SEARCH_EXPORT_RATE_LIMIT)."""

    def decorate(view):
        @functools.wraps(view)
        def limited(request, *args, **kwargs):
            wait = retry_after(kind, request)
            if wait is None:
                return view(request, *args, **kwargs)
            response = render(
                request,
                "search/rate_limited.html",
                {"wait": wait, "export": kind == "export"},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return cache_privately(response)

        return limited

    return decorate
