import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.test import Client

from articles.models import Article
from tests.factories import ArticleFactory, SectionFactory

ROLES = {
    "reporter": "记者",
    "editor": "编辑",
    "head": "部门主任",
    "chief": "总编辑",
    "archivist": "档案员",
}


def ensure_roles() -> None:
    """The groups come from a data migration; a transactional test elsewhere in the run flushes
    the database afterwards, so put them back (the migration's own code, idempotent)."""
    if Group.objects.filter(name__in=ROLES.values()).count() < len(ROLES):
        importlib.import_module("articles.migrations.0005_editorial_groups").seed(apps, None)


@pytest.fixture(autouse=True)
def _roles(request):
    if request.node.get_closest_marker("django_db"):
        ensure_roles()


def make_user(username: str, group: str, *, last_name: str = "", password: str | None = None) -> User:
    # No password unless a test logs in through the form: hashing one per user slows every test.
    ensure_roles()
    user = User.objects.create_user(username, password=password, is_staff=True, last_name=last_name)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def users(db):
    """One person per role, plus a second reporter and editor (for 'others' articles' and two-editor cases)."""
    return {
        "reporter": make_user("reporter", "记者", last_name="李记者"),
        "reporter2": make_user("reporter2", "记者", last_name="王记者"),
        "editor": make_user("editor", "编辑", last_name="张编辑"),
        "editor2": make_user("editor2", "编辑", last_name="赵编辑"),
        "head": make_user("head", "部门主任", last_name="刘主任"),
        "chief": make_user("chief", "总编辑", last_name="陈总编"),
        "archivist": make_user("archivist", "档案员", last_name="周档案"),
    }


@pytest.fixture
def as_user(users):
    """as_user("editor") -> a test client logged in as that person."""

    def login(name: str) -> Client:
        client = Client()
        client.force_login(users[name])
        return client

    return login


def draft_by(user, **kwargs) -> Article:
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, created_by=user, **kwargs)
    SectionFactory(article=article, position=1)
    return article
