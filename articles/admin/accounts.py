"""The newsroom's accounts in the admin: adding a person with their role in one step, a login
page that says why a non-staff account is turned away, and Chinese names for django-axes' logs.
"""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

# The roles created by articles/migrations/0005_editorial_groups.py, in workflow order.
ROLE_ORDER = ["记者", "编辑", "部门主任", "总编辑", "档案员"]

NOT_STAFF_MESSAGE = "该账号没有进入采编系统的权限（未勾选“职员状态”），请联系管理员。"


class NewsroomAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form: a correct password on an account without 职员状态 is told why it
    cannot enter, instead of the stock "enter the correct username and password for a staff account"."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": "用户名或密码不正确（注意区分大小写）。",
        "inactive": "该账号已停用，请联系管理员。",
    }

    def confirm_login_allowed(self, user):
        if not user.is_active:
            raise ValidationError(self.error_messages["inactive"], code="inactive")
        if not user.is_staff:
            raise ValidationError(NOT_STAFF_MESSAGE, code="not_staff")


class NewsroomUserCreationForm(AdminUserCreationForm):
    """Username, password, 职员状态 and role on the first page: a new reporter can log in at once."""

    is_staff = forms.BooleanField(label="职员状态", required=False, initial=True, help_text="勾选后才能登录采编后台。")
    # Its choices, the roles in workflow order, are set when the form is made (__init__).
    role = forms.ModelChoiceField(
        Group.objects.none(),
        label="角色",
        required=False,
        help_text="记者写稿；编辑做初审；部门主任可做复审；总编辑做终审、签发和撤稿；档案员导入和整理旧报。",
    )

    class Meta(AdminUserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        groups = {g.name: g for g in Group.objects.all()}
        ordered = [groups.pop(name).pk for name in ROLE_ORDER if name in groups] + [g.pk for g in groups.values()]
        queryset = Group.objects.filter(pk__in=ordered)
        self.fields["role"].queryset = queryset
        self.fields["role"].choices = [("", "（暂不指定）")] + [
            (pk, name) for pk, name in sorted(queryset.values_list("pk", "name"), key=lambda g: ordered.index(g[0]))
        ]
        self.fields["username"].help_text = "必填。150 个字符以内，可用字母、数字和 @ . + - _。"
        if "usable_password" in self.fields:
            self.fields["usable_password"].label = "密码登录"
            self.fields[
                "usable_password"
            ].help_text = "是否允许用这个账号用密码登录。若选“禁用”，之后仍可在账号页面为其设置密码。"
            self.fields["usable_password"].widget.choices = [("true", "启用"), ("false", "禁用")]
        self.fields[
            "password1"
        ].help_text = "密码不能与其他个人信息太相似，至少 8 个字符，不能是常用密码，也不能全是数字。"
        self.fields["password2"].help_text = "再输入一次同样的密码，以便核对。"

    def save(self, commit=True):
        user = super().save(commit=False)
        user.is_staff = self.cleaned_data.get("is_staff", False)
        if commit:
            user.save()
            self._save_role(user)
        else:
            self.save_m2m = lambda: self._save_role(user)
        return user

    def _save_role(self, user):
        if self.cleaned_data.get("role") is not None:
            user.groups.add(self.cleaned_data["role"])


class NewsroomUserAdmin(UserAdmin):
    add_form = NewsroomUserCreationForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2", "is_staff", "role"),
                "description": "填写用户名、密码，勾选“职员状态”并选择角色，保存后此人即可登录采编后台。",
            },
        ),
    )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change and isinstance(form, NewsroomUserCreationForm):
            form._save_role(form.instance)


def install() -> None:
    """Called when the admin loads this package (autodiscover)."""
    User = get_user_model()
    if admin.site.is_registered(User):
        admin.site.unregister(User)
    admin.site.register(User, NewsroomUserAdmin)
    admin.site.login_form = NewsroomAuthenticationForm
    name_axes_models()


AXES_NAMES = {
    "AccessAttempt": ("登录尝试", "登录尝试"),
    "AccessFailureLog": ("登录失败记录", "登录失败记录"),
    "AccessLog": ("登录记录", "登录记录"),
    "AccessAttemptExpiration": ("登录尝试过期时间", "登录尝试过期时间"),
}


def name_axes_models() -> None:
    """django-axes has no Chinese translation of its models: name them here. Only the display
    names (_meta.verbose_name*), never the fields, so no migration of axes ever follows."""
    if not apps.is_installed("axes"):
        return
    config = apps.get_app_config("axes")
    config.verbose_name = "登录安全"
    for model in config.get_models():
        names = AXES_NAMES.get(model.__name__)
        if names:
            model._meta.verbose_name, model._meta.verbose_name_plural = names
