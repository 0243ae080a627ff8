"""Import previews waiting in the session are bounded (issue #12, D).

The rule: a session keeps at most MAX_PREVIEWS (3) unconfirmed uploads, each no larger than an
upload may be (MAX_TOTAL_BYTES); a new preview drops the oldest, whose confirmation then says it
has expired.
"""

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile

from articles.admin import importing
from articles.models import Article

IMPORT_URL = "/admin/articles/article/import/"


@pytest.fixture
def importer_client(client, db):
    user = User.objects.create_user("archivist", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["import_article", "view_article", "change_article"])
    )
    client.force_login(user)
    return client


def upload(client, n: int) -> str:
    text = f"# 第{n}篇稿件\n\n导语第{n}段。\n".encode()
    response = client.post(IMPORT_URL, {"files": [SimpleUploadedFile(f"{n}.txt", text)], "encoding": "utf-8"})
    assert response.status_code == 200
    return response.context["token"]


def waiting(client) -> list[str]:
    return [key for key in client.session.keys() if key.startswith(importing.SESSION_PREFIX)]


def test_at_most_three_previews_wait_and_the_oldest_is_dropped(importer_client):
    """Failed before the fix: every upload stayed in the session until confirmed (ten uploads,
    ten copies of up to 5 MB each)."""
    tokens = [upload(importer_client, n) for n in range(10)]
    assert len(waiting(importer_client)) == 3
    response = importer_client.post(IMPORT_URL, {"token": tokens[0]}, follow=True)
    assert "已经确认过或已过期" in response.content.decode()
    assert Article.objects.count() == 0
    for token in tokens[-3:]:
        importer_client.post(IMPORT_URL, {"token": token})
    assert sorted(Article.objects.values_list("title", flat=True)) == ["第7篇稿件", "第8篇稿件", "第9篇稿件"]
    assert waiting(importer_client) == []


def test_each_preview_is_no_larger_than_an_upload(importer_client, settings):
    big = SimpleUploadedFile("big.txt", b"# t\n\n" + b"x" * importing.MAX_TOTAL_BYTES)
    response = importer_client.post(IMPORT_URL, {"files": [big], "encoding": "utf-8"})
    assert response.status_code == 200 and "文件总大小不能超过 5 MB" in response.content.decode()
    assert waiting(importer_client) == []
