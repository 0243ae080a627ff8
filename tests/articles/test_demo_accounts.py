"""load_demo creates one demo account per newsroom role (issue #13, item 3)."""

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command

from articles.models import Article
from articles.workflow import services
from tests.workflow.conftest import draft_by, ensure_roles

pytestmark = pytest.mark.django_db
ROLES = ["记者", "编辑", "部门主任", "总编辑", "档案员"]
COMMAND = Path(__file__).resolve().parents[2] / "articles" / "management" / "commands" / "load_demo.py"


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", "--no-photos", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def printed_accounts(output: str) -> dict[str, str]:
    return dict(re.findall(r"用户名：(\S+)\s+密码：(\S+)", output))


def test_one_account_per_role_with_a_generated_password_printed_once():
    ensure_roles()
    output = load_demo()
    accounts = printed_accounts(output)
    assert len(accounts) == len(ROLES)
    source = COMMAND.read_text("utf-8")
    for username, password in accounts.items():
        user = authenticate(username=username, password=password)
        assert user is not None and user.is_staff and not user.is_superuser
        assert len(password) >= 12 and password not in source
    groups = sorted(User.objects.filter(username__in=accounts).values_list("groups__name", flat=True))
    assert groups == sorted(ROLES)
    assert len(set(accounts.values())) == len(ROLES)

    again = load_demo()
    assert printed_accounts(again) == {} and "密码：" not in again
    assert "演示账号已存在" in again and "changepassword" in again
    assert User.objects.filter(username__in=accounts).count() == len(ROLES)


def test_one_person_walks_a_story_through_three_levels_with_them():
    ensure_roles()
    load_demo()
    people = {g: User.objects.get(groups__name=g, username__startswith="demo_") for g in ROLES}
    article = draft_by(people["记者"])
    services.article_submit(article=article, user=people["记者"])
    for role in ("编辑", "部门主任", "总编辑"):
        services.article_pass_review(article=article, user=people[role])
    services.article_publish(article=article, user=people["总编辑"])
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
