"""Backups restore: back up, wipe, restore, and every article, photo (its file bytes) and search
index entry is the same. Runs on the database the suite runs on (SQLite or PostgreSQL)."""

import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from articles.models import Article, Photo
from articles.photos.images import clean_image
from operations.backup import MANIFEST, table_names
from tests.factories import ArticleFactory, CreditFactory, SectionFactory, cluster
from tests.photos import images

pytestmark = pytest.mark.django_db(transaction=True)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def everything(client) -> dict:
    """What a reader, an editor and the search index would see."""
    out = io.StringIO()
    call_command("export_articles", stdout=out)
    photos = []
    for photo in Photo.objects.order_by("pk"):
        files = [photo.image.name, *(item["name"] for item in photo.renditions.get("items", []))]
        photos.append((photo.pk, photo.article_id, photo.alt_text, {name: sha(stored(name)) for name in files}))
    search = {}
    with connection.cursor() as cursor:
        for table in table_names():
            if table.startswith("search_"):
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
                search[table] = [tuple(str(value) for value in row) for row in cursor.fetchall()]
    cache.clear()
    found = client.get("/search/", {"q": "衡阳", "sort": "-date"})
    return {
        "articles": out.getvalue().splitlines(),
        "photos": photos,
        "search": search,
        "search_results": (found.status_code, [result["article"].pk for result in found.context["results"]]),
    }


def make_content(capture):
    articles = []
    for n in range(4):
        article = ArticleFactory(
            title=f"衡阳八大千亿产业集群第{n}篇", clusters=[cluster("rail-transit")] if n % 2 else []
        )
        SectionFactory(article=article)
        CreditFactory(article=article)
        articles.append(article)
    ArticleFactory(title="衡阳草稿", status=Article.Status.DRAFT, published_at=None)
    for n, article in enumerate(articles[:2]):
        upload = clean_image(io.BytesIO(images.encode(images.picture((900 + n, 600)), "JPEG"))).as_upload()
        with capture(execute=True):
            Photo.objects.create(image=upload, article=article, alt_text=f"厂房{n}", is_lead=True)
    return articles


def wipe_database():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
            cursor.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TABLE "{name}"')
            for kind in ("view", "trigger", "table"):
                cursor.execute(f"SELECT name FROM sqlite_master WHERE type = '{kind}' AND name NOT LIKE 'sqlite_%'")
                for (name,) in cursor.fetchall():
                    cursor.execute(f'DROP {kind.upper()} IF EXISTS "{name}"')
            cursor.execute("PRAGMA foreign_keys = ON")
    assert table_names() == []


def test_back_up_wipe_restore_and_everything_is_the_same(
    client, tmp_path, settings, django_capture_on_commit_callbacks
):
    make_content(django_capture_on_commit_callbacks)
    before = everything(client)
    assert len(before["articles"]) == 5 and len(before["photos"]) == 2
    assert all(len(files) >= 3 for *_, files in before["photos"])  # master and renditions
    assert before["search"] and all(before["search"].values())
    assert before["search_results"][0] == 200 and len(before["search_results"][1]) == 4  # the four published

    folder = tmp_path / "backup"
    call_command("backup", str(folder), verbosity=0)
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["tables"]["articles_article"] == 5 and manifest["tables"]["articles_photo"] == 2
    assert manifest["media"]["files"] == sum(len(files) for *_, files in before["photos"])
    assert manifest["media"]["missing"] == []
    assert len(manifest["database"]["sha256"]) == 64 and manifest["migrations"]["articles"]

    with pytest.raises(CommandError, match="不是空的"):
        call_command("restore", str(folder), verbosity=0)  # the live database is not overwritten

    wipe_database()
    shutil.rmtree(settings.MEDIA_ROOT)
    call_command("restore", str(folder), verbosity=0)

    assert everything(client) == before
    newer = ArticleFactory(title="恢复之后的新稿件")  # ids go on from where they were
    assert newer.pk > max(Article.objects.exclude(pk=newer.pk).values_list("pk", flat=True))


def test_a_damaged_backup_is_refused_before_anything_is_touched(tmp_path, settings, django_capture_on_commit_callbacks):
    make_content(django_capture_on_commit_callbacks)
    folder = tmp_path / "backup"
    call_command("backup", str(folder), verbosity=0)
    archive = folder / "media.tar"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="已损坏"):
        call_command("restore", str(folder), "--force", verbosity=0)
    assert Article.objects.count() == 5  # untouched
    with pytest.raises(CommandError, match="已存在且不是空目录"):
        call_command("backup", str(folder), verbosity=0)
    with pytest.raises(CommandError, match=r"没有 manifest\.json"):
        call_command("restore", str(tmp_path), verbosity=0)


def test_force_replaces_a_database_that_is_not_empty(tmp_path, django_capture_on_commit_callbacks):
    make_content(django_capture_on_commit_callbacks)
    folder = tmp_path / "backup"
    call_command("backup", str(folder), "--no-media", verbosity=0)
    assert json.loads((folder / MANIFEST).read_text())["media"] is None
    ArticleFactory(title="备份之后写的稿件")
    call_command("restore", str(folder), "--force", "--no-media", verbosity=0)
    assert Article.objects.count() == 5
    assert not Article.objects.filter(title="备份之后写的稿件").exists()
    assert not Path(folder / "media.tar").exists()
