"""HTTP caching shared by the public pages: how long browsers and a CDN may keep a page, and
the validators (ETag, Last-Modified) that let them ask again cheaply."""

from datetime import date

from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import http_date

# How long browsers and a CDN may keep a page without asking again. The home page changes
# through the day; an issue more than a week old almost never changes.
HOME_MAX_AGE = 60
RECENT_MAX_AGE = 300
OLD_MAX_AGE = 60 * 60 * 24
OLD_AFTER_DAYS = 7


def max_age_for(day: date | None) -> int:
    if day is None:
        return RECENT_MAX_AGE
    return OLD_MAX_AGE if (timezone.localdate() - day).days > OLD_AFTER_DAYS else RECENT_MAX_AGE


def cache_publicly(response, max_age: int):
    patch_cache_control(response, public=True, max_age=max_age)
    return response


def cache_privately(response):
    """No cache keeps the response: an error or limit page, an export, what only its reader may see."""
    response["Cache-Control"] = "private, no-store"
    return response


def with_validators(response, etag: str, last_modified: int):
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(last_modified)
    return response
