"""Reading a request's token: ``Authorization: Bearer <token>`` or ``Authorization: Token <token>``.

No Authorization header: an anonymous client (what readers see). A header that names no active
token of an active staff account: refused (401), never read as anonymous, so a client with a
mistyped or revoked token learns it at once instead of silently seeing less. Sessions are not
read: a logged-in editor's browser gets the public API, so no shared cache can keep a private
answer under a public URL.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from api.models import ApiToken, hash_token

SCHEMES = ("bearer", "token")
# last_used_at is written at most this often per token (a write per request would cost more
# than the read it records).
TOUCH_EVERY = datetime.timedelta(minutes=5)
MAX_TOKEN_LENGTH = 200


class TokenRefused(Exception):
    """The request carries credentials that do not open the API; the message says why (in Chinese)."""


def authorization_token(request) -> str | None:
    """The token the request carries, None without an Authorization header; TokenRefused for a
    header that is not one of the two schemes."""
    header = request.META.get("HTTP_AUTHORIZATION")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() not in SCHEMES or not token:
        raise TokenRefused("Authorization 请求头应为“Bearer <令牌>”或“Token <令牌>”。")
    if len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        raise TokenRefused("令牌无效或已撤销。")
    return token


def user_for(request):
    """The account a request reads as: the token's (an active staff account), or AnonymousUser."""
    token = authorization_token(request)
    if token is None:
        return AnonymousUser(), None
    found = ApiToken.objects.active().select_related("user").filter(key_hash=hash_token(token)).first()
    if found is None:
        raise TokenRefused("令牌无效或已撤销。")
    user = found.user
    if not (user.is_active and user.is_staff):
        raise TokenRefused("令牌所属的账号已停用或不再是采编人员。")
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return user, found
