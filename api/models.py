"""API tokens: staff read the API with what the article admin shows them.

A token is secrets.token_urlsafe(32) shown once when it is made; the database keeps only its
SHA-256, so a leaked backup or a look at the admin reveals no token. Revoking keeps the row
(who had access, until when); deleting it works as well.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from hengyang_cms.modeling import optional_link

TOKEN_BYTES = 32
# How many characters of a token the admin shows, so people can tell their tokens apart.
PREFIX_CHARS = 6


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="api_tokens",
        verbose_name="账号",
        help_text="令牌以这个账号的权限读取：能看到的稿件与后台稿件列表相同",
    )
    name = models.CharField("用途", max_length=100, help_text="如：新媒体中心客户端、合作网站同步")
    key_hash = models.CharField("令牌摘要", max_length=64, unique=True, editable=False)
    prefix = models.CharField("令牌开头", max_length=PREFIX_CHARS, editable=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    created_by = optional_link(settings.AUTH_USER_MODEL, related_name="+", verbose_name="创建人", editable=False)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "接口令牌"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name}（{self.prefix}…）"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def set_new_key(self) -> str:
        """Give the token a new secret and return it: the only time it is seen in clear."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        self.key_hash = hash_token(token)
        self.prefix = token[:PREFIX_CHARS]
        return token

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
