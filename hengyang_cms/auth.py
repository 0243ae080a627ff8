"""Login lockout (django-axes) that still lets code authenticate without a web request."""

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.shortcuts import render


class LockoutBackend(AxesStandaloneBackend):
    """Counts and refuses failed logins per user name and address, as django-axes does.

    A lockout is about attempts coming in over the web; `authenticate()` called without a request
    (a management command, the test client's `login()`) has no address to count against, so it is
    left to the next backend instead of failing outright.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """The lockout page, in Chinese, naming how long the lock lasts."""
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else 0
    if minutes >= 60 and minutes % 60 == 0:
        duration = f"{minutes // 60}小时"
    elif minutes:
        duration = f"{minutes}分钟"
    else:
        duration = ""
    context = {
        "username": get_client_username(request, credentials) or "",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "duration": duration,
    }
    return render(request, "admin/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
