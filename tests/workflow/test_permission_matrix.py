"""Every role × every admin model of the articles app × view/add/change/delete × the article's
status, against a table written out below, through the real admin URLs (issue #12, F).

Roles: the groups of migration 0005 (记者, 编辑, 部门主任, 总编辑, 档案员) and a staff account
in no group. The objects belong to *another* reporter (reporter2), so 记者 tests someone else's
work. For each cell the test:

- view:   GET the changelist                                   → 200 or 403;
- add:    GET the add page                                     → 200 or 403;
- change: GET the change page, then POST the form as a superuser sees it with one field changed:
          "edit"   the change is saved;
          "locked" the page opens, but that field is not theirs to change (shown read-only or
                   refused with a message): nothing is saved;
          "read"   view only: the POST answers 403;
          "hidden" the object does not exist for them (redirect), nothing is saved;
          "403"    no right to the model at all;
- delete: POST the delete confirmation                         → "deleted", "403" or "hidden".

ReviewEvent (the review trail) is not in the admin at all: nobody edits the record.
"""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from articles.models import Article, Commentator, Contributor, Issue, Page, Photo, ReviewEvent
from articles.photos.images import clean_image
from articles.workflow import services
from tests.factories import ArticleFactory, CommentatorFactory, ContributorFactory, PageFactory, SectionFactory
from tests.photos import images
from tests.photos.forms import form_data
from tests.workflow.conftest import draft_by

pytestmark = pytest.mark.django_db

ROLES = ["reporter", "editor", "head", "chief", "archivist", "nogroup"]

E, L, R, H, X, D = "edit", "locked", "read", "hidden", "403", "deleted"

# (view, add, change, delete) per role, for each model and state of the object; in the table
# E edit, L locked, R read, H hidden, X 403, D deleted.
# - Articles: reporters see only their own; desks may edit text in review; the chief and the
#   archivists (edit_metadata) may file any article; only the chief deletes — drafts only.
# - Photos follow the article's text (policy.can_change_photo): frozen once published, for
#   everyone; the chief may delete the draft, so its photos too.
# - Issues and pages: the desks build them; once they hold published articles their dates,
#   numbers and names are filing, the archivists' and the chief's (edit_metadata).
# - People: reporters add commentators and contributors but do not change them.
TABLE = """
                                reporter      editor        head          chief         archivist     nogroup
article       draft by another  200 200 H H   200 200 R X   200 200 R X   200 200 E D   200 403 E X   403 403 X X
article       review            200 200 H H   200 200 E X   200 200 E X   200 200 E X   200 403 E X   403 403 X X
article       published         200 200 H H   200 200 R X   200 200 R X   200 200 E X   200 403 E X   403 403 X X
photo         draft by another  200 200 H H   200 200 R X   200 200 R X   200 200 R D   200 403 R X   403 403 X X
photo         review            200 200 H H   200 200 E D   200 200 E D   200 200 E D   200 403 R X   403 403 X X
photo         published         200 200 R X   200 200 R X   200 200 R X   200 200 R X   200 403 R X   403 403 X X
photo         library           200 200 E D   200 200 E D   200 200 E D   200 200 E D   200 403 R X   403 403 X X
issue         empty             200 403 R X   200 200 E X   200 200 E X   200 200 E X   200 200 E X   403 403 X X
issue         published         200 403 R X   200 200 L X   200 200 L X   200 200 E X   200 200 E X   403 403 X X
page          empty             200 403 R X   200 200 E X   200 200 E X   200 200 E X   200 200 E X   403 403 X X
page          published         200 403 R X   200 200 L X   200 200 L X   200 200 E X   200 200 E X   403 403 X X
commentator   -                 200 200 R X   200 200 E X   200 200 E X   200 200 E X   200 200 E X   403 403 X X
contributor   -                 200 200 R X   200 200 E X   200 200 E X   200 200 E X   200 200 E X   403 403 X X
"""
OUTCOMES = {"E": E, "L": L, "R": R, "H": H, "X": X, "D": D}


def read_table(table: str) -> dict:
    """{(model, state): {role: (view, add, change, delete)}} from TABLE."""
    header, *lines = table.strip("\n").splitlines()
    assert header.split() == ROLES
    expected = {}
    for line in lines:
        model, state, *cells = re.split(r" {2,}", line.strip())
        expected[(model, state)] = {
            role: (int(view), int(add), OUTCOMES[change], OUTCOMES[delete])
            for role, (view, add, change, delete) in zip(ROLES, (cell.split() for cell in cells), strict=True)
        }
    return expected


EXPECTED = read_table(TABLE)

# The field each change tries, and its new value.
CHANGE = {
    "article": ("position", "9"),
    "photo": ("caption", "矩阵改过的说明"),
    "issue": ("date", None),  # a later date, worked out from the issue
    "page": ("number", "Z99"),
    "commentator": ("title", "矩阵改过的身份"),
    "contributor": ("bio", "矩阵改过的简介"),
}
MODELS = {
    "article": Article,
    "photo": Photo,
    "issue": Issue,
    "page": Page,
    "commentator": Commentator,
    "contributor": Contributor,
}


def test_the_table_covers_every_admin_model_of_the_app():
    registered = {m._meta.model_name for m in admin.site._registry if m._meta.app_label == "articles"}
    assert registered == set(MODELS)
    assert {model for model, _ in EXPECTED} == registered
    assert all(set(roles) == set(ROLES) for roles in EXPECTED.values())
    assert ReviewEvent not in admin.site._registry


def article_in(status: str, users) -> Article:
    author = users["reporter2"]
    article = draft_by(author)
    if status == "draft by another":
        return article
    services.article_submit(article=article, user=author)
    if status == "published":
        for who in ("editor", "head", "chief"):
            services.article_pass_review(article=article, user=users[who])
        services.article_publish(article=article, user=users["chief"])
    article.refresh_from_db()
    return article


def make_object(model: str, status: str, users):
    if model == "article":
        return article_in(status, users)
    if model == "photo":
        upload = clean_image(io.BytesIO(images.encode(images.picture((320, 240)), "JPEG"))).as_upload()
        article = None if status == "library" else article_in(status, users)
        return Photo.objects.create(image=upload, article=article, alt_text="厂房", caption="原来的说明")
    if model in ("issue", "page"):
        page = PageFactory()
        if status == "published":
            ArticleFactory(page=page, created_by=users["reporter2"])
        return page.issue if model == "issue" else page
    if model == "commentator":
        person = CommentatorFactory(name="夏君山")
        SectionFactory(article=article_in("draft by another", users), position=2, commentator=person)
        return person
    return ContributorFactory(name="罗文鹏")


def current_value(obj, field: str):
    value = getattr(type(obj).objects.get(pk=obj.pk), field)
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


@pytest.fixture
def clients(users, admin_user):
    accounts = {**users, "nogroup": User.objects.create_user("nogroup", is_staff=True)}
    made = {}
    for name, user in accounts.items():
        made[name] = Client()
        made[name].force_login(user)
    made["superuser"] = Client()
    made["superuser"].force_login(admin_user)
    return made


def change_outcome(client, superuser, model: str, obj) -> str:
    url = reverse(f"admin:articles_{model}_change", args=[obj.pk])
    shown = client.get(url)
    if shown.status_code == 403:
        return X
    if shown.status_code == 302:
        outcome = H
    else:
        assert shown.status_code == 200, shown.status_code
        outcome = None
    field, value = CHANGE[model]
    if value is None:
        value = (obj.date + datetime.timedelta(days=1000)).isoformat()
    data = form_data(superuser.get(url).content.decode(), form_id=f"{model}_form")
    data[field] = value
    before = current_value(obj, field)
    response = client.post(url, data)
    after = current_value(obj, field)
    if outcome == H:
        assert after == before and response.status_code == 302
        return H
    if after == value:
        return E
    assert after == before
    if response.status_code == 403:
        return R
    assert response.status_code in (200, 302), response.status_code
    return L


def delete_outcome(client, model: str, obj) -> str:
    response = client.post(reverse(f"admin:articles_{model}_delete", args=[obj.pk]), {"post": "yes"})
    exists = type(obj).objects.filter(pk=obj.pk).exists()
    if response.status_code == 403:
        assert exists
        return X
    assert response.status_code == 302
    return H if exists else D


CELLS = [(model, status, role) for (model, status), roles in EXPECTED.items() for role in roles]


@pytest.mark.parametrize(("model", "status", "role"), CELLS, ids=[f"{m}-{s}-{r}" for m, s, r in CELLS])
def test_the_permission_matrix(clients, users, model, status, role):
    client, superuser = clients[role], clients["superuser"]
    view = client.get(reverse(f"admin:articles_{model}_changelist")).status_code
    add = client.get(reverse(f"admin:articles_{model}_add")).status_code
    change = change_outcome(client, superuser, model, make_object(model, status, users))
    delete = delete_outcome(client, model, make_object(model, status, users))
    assert (view, add, change, delete) == EXPECTED[(model, status)][role]
