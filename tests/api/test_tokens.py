"""API tokens: made in the admin and shown once, stored hashed, revocable; a token only reads."""

import hashlib
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from api.models import ApiToken
from tests.api.conftest import DRAFT, bearer, make_token, member

pytestmark = pytest.mark.django_db


def test_no_token_reads_as_a_reader(client, archive):
    response = client.get("/api/v1/articles")
    assert response.status_code == 200
    assert DRAFT not in response.content.decode()


@pytest.mark.parametrize(
    "header",
    ["Bearer nonsense", "Token nonsense", "Basic dXNlcjpwYXNz", "Bearer", "Bearer " + "x" * 500, "Bearer 令牌"],
)
def test_a_wrong_token_is_refused_not_read_as_anonymous(client, db, header):
    response = client.get("/api/v1/articles", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["title"] == "令牌无效"
    assert response["Cache-Control"] == "private, no-store"


def test_both_schemes_work_and_the_token_is_stored_hashed(client, archive, chief):
    token = make_token(chief)
    stored = ApiToken.objects.get()
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ApiToken.objects.values().get())
    assert len(token) >= 43 and stored.prefix == token[:6]
    for header in (f"Bearer {token}", f"Token {token}", f"bearer {token}"):
        response = client.get("/api/v1/articles", HTTP_AUTHORIZATION=header)
        assert response.status_code == 200
        assert DRAFT in response.content.decode()
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_a_revoked_token_or_a_disabled_account_is_refused(client, archive, chief):
    token = make_token(chief)
    assert client.get("/api/v1/articles", **bearer(token)).status_code == 200
    ApiToken.objects.get().revoke()
    assert client.get("/api/v1/articles", **bearer(token)).status_code == 401

    other = make_token(chief, "另一个")
    User.objects.filter(pk=chief.pk).update(is_active=False)
    assert client.get("/api/v1/articles", **bearer(other)).status_code == 401
    User.objects.filter(pk=chief.pk).update(is_active=True, is_staff=False)
    assert client.get("/api/v1/articles", **bearer(other)).status_code == 401


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_tokens_only_read_every_write_is_405(client, archive, chief_token, method):
    for url in ("/api/v1/articles", f"/api/v1/articles/{archive['public'].pk}", "/api/v1/tags", "/api/v1/nowhere"):
        for headers in ({}, bearer(chief_token)):
            response = getattr(client, method)(url, data="{}", content_type="application/json", **headers)
            assert response.status_code == 405, (method, url)
            assert response["Allow"] == "GET, HEAD, OPTIONS"
            assert response["Content-Type"].startswith("application/problem+json")


def test_head_and_options_are_read_methods(client, archive):
    head = client.head(f"/api/v1/articles/{archive['public'].pk}")
    assert head.status_code == 200 and head.content == b""
    assert int(head["Content-Length"]) > 100 and head["ETag"]
    options = client.options("/api/v1/articles")
    assert options.status_code == 204 and options["Allow"] == "GET, HEAD, OPTIONS"


def test_a_session_is_not_read_a_logged_in_editor_gets_the_public_api(client, archive, chief):
    client.force_login(chief)
    response = client.get("/api/v1/articles")
    assert DRAFT not in response.content.decode()
    assert "public" in response["Cache-Control"]


def test_the_admin_makes_a_token_shows_it_once_and_revokes_it(client, archive):
    root = User.objects.create_superuser("root", password=None)
    client.force_login(root)
    response = client.post("/admin/api/apitoken/add/", {"name": "合作网站同步", "user": root.pk})
    assert response.status_code == 200
    html = response.content.decode()
    token = re.search(r'id="api-token" type="text" value="([^"]+)"', html).group(1)
    assert "只显示这一次" in html and "no-store" in response["Cache-Control"]
    stored = ApiToken.objects.get()
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest() and stored.created_by == root
    # Never again in clear: not in the list, not on the change page.
    assert token not in client.get("/admin/api/apitoken/").content.decode()
    assert token not in client.get(f"/admin/api/apitoken/{stored.pk}/change/").content.decode()
    client.logout()
    assert client.get("/api/v1/articles", **bearer(token)).status_code == 200
    client.force_login(root)
    client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [stored.pk]})
    stored.refresh_from_db()
    assert stored.revoked_at is not None and stored.revoked_at <= timezone.now()
    client.logout()
    assert client.get("/api/v1/articles", **bearer(token)).status_code == 401


def test_staff_make_tokens_for_themselves_only(client, archive):
    editor = member("editor", "总编辑")
    editor.user_permissions.add(*Permission.objects.filter(content_type__app_label="api"))
    somebody = member("somebody", "总编辑")
    client.force_login(editor)
    response = client.post("/admin/api/apitoken/add/", {"name": "我的令牌", "user": somebody.pk})
    assert response.status_code == 200
    assert ApiToken.objects.get().user == editor
    make_token(somebody, "别人的")
    listed = client.get("/admin/api/apitoken/").content.decode()
    assert "我的令牌" in listed and "别人的" not in listed
