"""A rate limit for readers' searches and exports, counted in the cache, per client address.

``SEARCH_RATE_LIMIT`` (default "30/m") and ``SEARCH_EXPORT_RATE_LIMIT`` ("5/m") are
"N/s", "N/m", "N/h" or "N/SECONDS": at most N requests per window from one address; an empty
value switches the limit off (settings turn both off when debugging, unless set). The counts
live in the default cache: with Redis (REDIS_URL) every app server shares them, with the
per-process memory cache each process counts for itself.

The address is REMOTE_ADDR, or behind a proxy (``BEHIND_PROXY``, DJANGO_BEHIND_PROXY=1) the
first address in X-Forwarded-For, which the proxy must set (not pass on from the client). An
IPv6 address counts by its /64 network: one machine usually has the whole of it.

A window opens at an address's first request and lasts the rate's period. Over the limit a
request gets 429 with Retry-After (seconds until the window closes) and a short page in
Chinese. Staff accounts are never limited.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

UNITS = {"s": 1, "m": 60, "h": 3600}
# The setting for each kind of request, and its value when the setting is absent.
SETTINGS = {"search": ("SEARCH_RATE_LIMIT", "30/m"), "export": ("SEARCH_EXPORT_RATE_LIMIT", "5/m")}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """(requests, seconds) from "30/m", "5/60"…; None for an empty rate (no limit)."""
    rate = (rate or "").strip()
    if not rate:
        return None
    count, _, period = rate.partition("/")
    period = period.strip().lower() or "m"
    seconds = UNITS[period] if period in UNITS else int(period)
    if int(count) < 0 or seconds <= 0:
        raise ValueError(f"rate {rate!r}: want N/s, N/m, N/h or N/SECONDS")
    return int(count), seconds


def client_address(request) -> str:
    """The address a request is counted under (see the module docstring)."""
    address = request.META.get("REMOTE_ADDR", "") or ""
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        address = forwarded.split(",")[0].strip() or address
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _exempt(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def retry_after(kind: str, request) -> int | None:
    """Count this request; None when it is within the limit, else the seconds to wait."""
    setting, default = SETTINGS[kind]
    rate = parse_rate(getattr(settings, setting, default))
    if rate is None or _exempt(request):
        return None
    allowed, seconds = rate
    key = f"search-rate:{kind}:{seconds}:{client_address(request)}"
    now = time.time()
    # A window opens at an address's first request and lasts ``seconds``; add() is a no-op
    # while it is open, and incr() is atomic (in Redis, across app servers) and keeps its expiry.
    if cache.add(f"{key}:opened", now, timeout=seconds):
        cache.set(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the window closed between the two calls
        cache.set(key, 1, timeout=seconds)
        count = 1
    if count <= allowed:
        return None
    opened = cache.get(f"{key}:opened", now)
    return max(1, math.ceil(opened + seconds - now))


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
            response["Cache-Control"] = "private, no-store"
            return response

        return limited

    return decorate
