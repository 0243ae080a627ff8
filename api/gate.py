"""What every API request passes through, around the endpoint: methods, the token, the rate
limit, conditional GET and caching headers (api.urls wraps each view in gated()).

- Only GET, HEAD and OPTIONS: anything else is 405 with Allow, token or not (the API only reads).
- The account: a token's (api.tokens) or anonymous; a bad token is 401.
- Anonymous clients are rate-limited per address (API_RATE_LIMIT): 429 with Retry-After.
- A 200 gets validators (the endpoint's ETag/Last-Modified, or an ETag of the body) and answers
  a conditional GET with 304.
- Cache-Control as the site's pages: public (max-age 300 unless the endpoint says otherwise)
  for anonymous clients, "private, no-store" for every token request; Vary: Authorization.
"""

from __future__ import annotations

import functools
import hashlib
import logging

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import parse_http_date_safe

from api.problems import problem
from api.tokens import TokenRefused, user_for
from hengyang_cms.http import RECENT_MAX_AGE
from hengyang_cms.ratelimit import retry_after as counted_retry_after

logger = logging.getLogger("api")

READ_METHODS = ("GET", "HEAD", "OPTIONS")
ALLOW = ", ".join(READ_METHODS)
DEFAULT_RATE = "120/m"


def retry_after(request) -> int | None:
    """Count an anonymous request (hengyang_cms.ratelimit); None within API_RATE_LIMIT, else
    the seconds until the window closes."""
    return counted_retry_after(request, name="api", rate=getattr(settings, "API_RATE_LIMIT", DEFAULT_RATE))


def conditional(request, response):
    """A 200 with validators (an ETag of the body when the endpoint set none) answers a
    conditional GET with 304."""
    if response.status_code != 200 or response.streaming:
        return response
    if not response.has_header("ETag"):
        response["ETag"] = '"' + hashlib.sha1(response.content).hexdigest() + '"'
    last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
    not_modified = get_conditional_response(
        request, etag=response["ETag"], last_modified=last_modified, response=response
    )
    if not_modified is not response:
        for header in ("ETag", "Last-Modified", "Cache-Control"):
            if response.has_header(header):
                not_modified[header] = response[header]
        return not_modified
    return response


def cache_headers(request, response, *, private: bool):
    if private:
        response.headers.pop("Cache-Control", None)
        patch_cache_control(response, private=True, no_store=True)
    elif not response.has_header("Cache-Control"):
        if response.status_code in (200, 304):
            patch_cache_control(response, public=True, max_age=RECENT_MAX_AGE)
        else:
            patch_cache_control(response, no_store=True)
    patch_vary_headers(response, ["Authorization"])
    return response


def gated(view):
    """The view behind the gate (see the module docstring)."""

    @functools.wraps(view)
    def gate(request, *args, **kwargs):
        private = "HTTP_AUTHORIZATION" in request.META
        try:
            response = _through(view, request, args, kwargs)
        except Exception:
            logger.exception("API request failed: %s", request.path)
            response = problem(request, 500, "处理请求时出错，已记录。请稍后再试。")
        return cache_headers(request, response, private=private)

    return gate


def _through(view, request, args, kwargs):
    if request.method not in READ_METHODS:
        return problem(
            request,
            405,
            f"接口只读，只接受 {ALLOW} 请求，不接受 {request.method}。",
            headers={"Allow": ALLOW},
        )
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Allow"] = ALLOW
        return response
    try:
        user, token = user_for(request)
    except TokenRefused as refused:
        return problem(request, 401, str(refused), headers={"WWW-Authenticate": 'Bearer realm="api"'})
    # The API reads as the token's account or as a reader, never as a session's.
    request.user = request.api_user = user
    request.api_token = token
    if token is None and (wait := retry_after(request)) is not None:
        return problem(
            request,
            429,
            f"同一地址的请求太多，请 {wait} 秒后再试。大量读取请用游标逐页读取（见接口文档）。",
            headers={"Retry-After": str(wait)},
            retry_after=wait,
        )
    head = request.method == "HEAD"
    if head:
        request.method = "GET"
    try:
        response = conditional(request, view(request, *args, **kwargs))
    finally:
        if head:
            request.method = "HEAD"
    if head and not response.streaming:
        response["Content-Length"] = str(len(response.content))
        response.content = b""
    return response
