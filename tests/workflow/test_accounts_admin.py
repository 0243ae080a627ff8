"""Accounts in the admin (issue #13, items 4 and 6): a person is added with 职员状态 and a role in
one step, a non-staff account is told why it cannot log in, and nothing on those pages (nor
django-axes' logs in the index) is left in English."""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from tests.workflow.conftest import ensure_roles

pytestmark = pytest.mark.django_db

ENGLISH_WORDS = re.compile(r"\b[A-Za-z]{4,}(?: [A-Za-z]{2,})+\b")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def superuser_client():
    user = User.objects.create_superuser("boss", password="x" * 12)
    client = Client()
    client.force_login(user)
    return client


def test_a_new_reporter_is_added_with_staff_status_and_role_in_one_step(superuser_client):
    ensure_roles()
    reporter = Group.objects.get(name="记者")
    page = superuser_client.get(reverse("admin:auth_user_add")).content.decode()
    assert "职员状态" in page and "角色" in page and ">记者<" in page
    response = superuser_client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "xiaoli",
            "usable_password": "true",
            "password1": "Hengyang-2019-news",
            "password2": "Hengyang-2019-news",
            "is_staff": "on",
            "role": reporter.pk,
            "_save": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="xiaoli")
    assert user.is_staff and list(user.groups.values_list("name", flat=True)) == ["记者"]
    client = Client()
    assert (
        client.post(reverse("admin:login"), {"username": "xiaoli", "password": "Hengyang-2019-news"}).status_code == 302
    )
    assert client.get(reverse("admin:articles_article_changelist")).status_code == 200


def test_the_user_add_page_is_in_chinese(superuser_client):
    text = visible_text(superuser_client.get(reverse("admin:auth_user_add")).content.decode())
    assert ENGLISH_WORDS.findall(text) == []


def test_an_account_without_staff_status_is_told_why():
    User.objects.create_user("visitor", password="Hengyang-2019-news")
    response = Client().post(reverse("admin:login"), {"username": "visitor", "password": "Hengyang-2019-news"})
    assert response.status_code == 200
    assert "该账号没有进入采编系统的权限（未勾选“职员状态”），请联系管理员。" in response.content.decode()


def test_a_wrong_password_is_still_the_plain_refusal():
    User.objects.create_user("visitor", password="Hengyang-2019-news", is_staff=True)
    page = Client().post(reverse("admin:login"), {"username": "visitor", "password": "wrong"}).content.decode()
    assert "用户名或密码不正确" in page and "职员状态" not in page


def test_the_login_logs_are_named_in_chinese_in_the_index(superuser_client):
    text = visible_text(superuser_client.get(reverse("admin:index")).content.decode())
    for english in ("Access attempts", "Access failures", "Access logs", "Axes"):
        assert english not in text
    for chinese in ("登录安全", "登录尝试", "登录失败记录", "登录记录"):
        assert chinese in text
