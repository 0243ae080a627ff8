"""When a dependency fails: a database outage answers 503 fast; a full media disk answers 507 in
Chinese and leaves no half-written file and no row."""

import errno
import json
import os
import tempfile
import time
import types
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import RequestFactory

from articles.models import Photo
from hengyang_cms import storage as media_storage
from hengyang_cms.storage import MediaStorage
from hengyang_cms.unavailable import ServiceUnavailableMiddleware
from tests.photos import images
from tests.test_settings import run_python


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_pages_answer_503_in_chinese_within_seconds_when_the_database_is_down():
    # A real unreachable PostgreSQL (nothing listens on port 1), in a fresh interpreter.
    code = (
        "import django, json, time; django.setup(); from django.test import Client; c = Client(); "
        "t = time.monotonic(); rs = [c.get(p) for p in ('/', '/articles/1/', '/search/?q=衡阳', '/issues/')]; "
        "print(json.dumps([[r.status_code for r in rs], rs[0]['Retry-After'], rs[0]['Cache-Control'], "
        "time.monotonic() - t, rs[0].content.decode()]))"
    )
    nowhere = "postgres://postgres@127.0.0.1:1/nowhere"
    result = run_python(code, DJANGO_DEBUG="1", DJANGO_ALLOWED_HOSTS="testserver", DATABASE_URL=nowhere)
    assert result.returncode == 0, result.stderr
    statuses, retry_after, cache_control, seconds, html = json.loads(result.stdout)
    assert statuses == [503, 503, 503, 503]
    assert retry_after == "5" and cache_control == "no-store"
    assert seconds < 10
    assert "网站暂时无法访问" in html and "衡阳日报" in html


def test_the_middleware_turns_only_database_and_disk_errors_into_pages():
    from django.db import InterfaceError, OperationalError

    middleware = ServiceUnavailableMiddleware(lambda request: None)
    request = RequestFactory().get("/")
    assert middleware.process_exception(request, OperationalError("gone")).status_code == 503
    assert middleware.process_exception(request, InterfaceError("closed")).status_code == 503
    assert middleware.process_exception(request, OSError(errno.ENOSPC, "No space left on device")).status_code == 507
    assert middleware.process_exception(request, OSError(errno.EACCES, "denied")) is None
    assert middleware.process_exception(request, ValueError("bug")) is None


class FailingContent(ContentFile):
    """A file whose bytes run out of disk half-way."""

    def chunks(self, chunk_size=None):
        yield b"x" * 1000
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_write_that_fails_half_way_leaves_no_file(tmp_path):
    storage = MediaStorage(location=tmp_path)
    with pytest.raises(OSError) as caught:
        storage.save("photos/2025/01/half.jpg", FailingContent(b"", name="half.jpg"))
    assert caught.value.errno == errno.ENOSPC
    assert files_under(tmp_path) == []
    assert storage.save("photos/2025/01/whole.jpg", ContentFile(b"y" * 5000)) == "photos/2025/01/whole.jpg"
    assert files_under(tmp_path) == ["photos/2025/01/whole.jpg"]
    assert (tmp_path / "photos/2025/01/whole.jpg").read_bytes() == b"y" * 5000
    assert (
        storage.save("photos/2025/01/whole.jpg", ContentFile(b"z")) != "photos/2025/01/whole.jpg"
    )  # never overwritten


def test_files_are_written_with_the_usual_permissions(tmp_path):
    storage = MediaStorage(location=tmp_path)
    name = storage.save("a/b.txt", ContentFile(b"1"))
    mode = (tmp_path / name).stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


@pytest.fixture
def full_disk(monkeypatch):
    """Every media write goes to /dev/full, which answers ENOSPC as a full disk does."""
    real = tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        fd, path = real(*args, **kwargs)
        os.close(fd)
        return os.open("/dev/full", os.O_WRONLY), path

    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    monkeypatch.setattr(media_storage, "tempfile", types.SimpleNamespace(mkstemp=mkstemp))


@pytest.mark.django_db
def test_a_photo_upload_on_a_full_disk_says_so_in_chinese_and_saves_nothing(staff_client, settings, full_disk):
    before = Photo.objects.count()
    content = images.encode(images.picture((1200, 800)), "JPEG", quality=90)
    started = time.monotonic()
    response = staff_client.post(
        "/admin/articles/photo/add/",
        {
            "image": images.upload(content, name="IMG_0001.JPG"),
            "position": "0",
            "caption": "松木经开区",
            "alt_text": "厂房外景",
            "photographer": "",
            "article": "",
        },
    )
    assert response.status_code == 507
    html = response.content.decode()
    assert "存储空间已满，图片没有保存" in html and "没有留下残缺的文件或记录" in html
    assert Photo.objects.count() == before
    assert files_under(Path(settings.MEDIA_ROOT)) == []
    assert time.monotonic() - started < 30
