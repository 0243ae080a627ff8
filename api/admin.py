"""API tokens in the admin: made here, shown once, revoked here.

A non-superuser makes and sees tokens for their own account only (a token reads as its
account: making one for someone else would read with their rights).
"""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from api.models import ApiToken
from hengyang_cms.http import cache_privately


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix_shown", "created_at", "last_used_at", "state"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__username", "prefix"]
    actions = ["revoke"]
    readonly_fields = ["prefix_shown", "created_at", "created_by", "last_used_at", "revoked_at"]

    def get_queryset(self, request):
        tokens = super().get_queryset(request).select_related("user", "created_by")
        return tokens if request.user.is_superuser else tokens.filter(user=request.user)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "user"] if request.user.is_superuser else ["name"]
        return ["name", "user", "prefix_shown", "created_at", "created_by", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "user"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            from django.contrib.auth import get_user_model

            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="令牌开头")
    def prefix_shown(self, obj):
        return f"{obj.prefix}…" if obj.prefix else ""

    @admin.display(description="状态")
    def state(self, obj):
        return f"已撤销（{timezone.localtime(obj.revoked_at):%Y-%m-%d %H:%M}）" if obj.revoked_at else "有效"

    def save_model(self, request, obj, form, change):
        if not change:
            if not request.user.is_superuser or not obj.user_id:
                obj.user = request.user
            obj.created_by = request.user
            # Kept on the request only, for response_add: the one time the token is shown.
            request._new_api_token = obj.set_new_key()
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        token = getattr(request, "_new_api_token", None)
        if token is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": "接口令牌已创建",
            "token": token,
            "object": obj,
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "api/admin/token_created.html", context)
        add_never_cache_headers(response)
        return cache_privately(response)

    @admin.action(description="撤销所选令牌")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"已撤销 {count} 个令牌；用它们的请求将返回 401。", messages.SUCCESS)
