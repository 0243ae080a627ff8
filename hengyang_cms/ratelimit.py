"""Rate limits counted in the cache, per client address: what search and the read API share.

A rate is "N/s", "N/m", "N/h" or "N/SECONDS": at most N requests per window from one address; an
empty rate is no limit. The counts live in the default cache: with Redis (REDIS_URL) every app
server shares them, with the per-process memory cache each process counts for itself.

The address is REMOTE_ADDR, or behind a proxy (``BEHIND_PROXY``, DJANGO_BEHIND_PROXY=1) the first
address in X-Forwarded-For, which the proxy must set (not pass on from the client). An IPv6
address counts by its /64 network: one machine usually has the whole of it.
"""

from __future__ import annotations

import ipaddress
import math
import time

from django.conf import settings
from django.core.cache import cache

UNITS = {"s": 1, "m": 60, "h": 3600}


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


def retry_after(request, *, name: str, rate: str | None) -> int | None:
    """Count this request under ``name``; None within the rate, else the seconds to wait.

    A window opens at an address's first request and lasts the rate's period; add() is a no-op
    while it is open, and incr() is atomic (in Redis, across app servers) and keeps its expiry.
    """
    parsed = parse_rate(rate)
    if parsed is None:
        return None
    allowed, seconds = parsed
    key = f"rate:{name}:{seconds}:{client_address(request)}"
    now = time.time()
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
