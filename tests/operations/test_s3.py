"""Media on S3-compatible storage (django-storages), against moto's S3 server started by the test:
a photo uploaded through the real form, its renditions made, its URLs served, its objects deleted."""

import io
import json
import logging
import urllib.request

import pytest
from django.core.files.storage import default_storage

from articles.models import Photo
from articles.photos.forms import PhotoForm
from articles.photos.renditions import rendition_records
from tests.operations.conftest import free_port
from tests.photos import images

boto3 = pytest.importorskip("boto3", reason="boto3 is not installed (pip install -e '.[s3]'): S3 tests skipped")
moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed: S3 tests skipped")

BUCKET = "hengyang-media"


@pytest.fixture(scope="module")
def s3_endpoint():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    # A public-read bucket, as the README asks (DJANGO_S3_SIGNED_URLS=1 is for a private one).
    public_read = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}
        ],
    }
    client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(public_read))
    # What settings.py builds from DJANGO_S3_* (tests/photos/test_storage.py checks that mapping).
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "custom_domain": None,
                "location": "media",
                "default_acl": None,
                "querystring_auth": False,
                "file_overwrite": False,
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            },
        },
    }
    settings.SERVE_MEDIA = False
    yield client
    objects = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in objects:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def fetch(url: str) -> tuple[int, bytes, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read(), response.headers.get("Cache-Control", "")


@pytest.mark.django_db
def test_a_photo_goes_to_the_bucket_with_its_renditions_and_leaves_with_them(
    bucket, django_capture_on_commit_callbacks
):
    upload = images.upload(images.camera_jpeg((2000, 1333)), name="DSC_0042.JPG")
    form = PhotoForm(
        data={"position": "0", "caption": "衡阳松木经开区", "alt_text": "厂房外景"}, files={"image": upload}
    )
    assert form.is_valid(), form.errors
    with django_capture_on_commit_callbacks(execute=True):
        photo = form.save()
    photo.refresh_from_db()
    assert type(default_storage._wrapped).__name__ == "S3Storage"

    master = f"media/{photo.image.name}"
    renditions = rendition_records(photo)
    assert [(r["width"], r["format"]) for r in renditions][:2] == [(1600, "webp"), (1600, "jpeg")]
    assert keys(bucket) == {master, *(f"media/{r['name']}" for r in renditions)}
    assert "DSC_0042" not in photo.image.name  # a random name, nothing of the camera's

    # Served by the bucket, with the long cache life the names allow; the master has no EXIF.
    status, body, cache_control = fetch(photo.image.url)
    assert photo.image.url.startswith(bucket.meta.endpoint_url) and status == 200
    assert cache_control == "public, max-age=31536000, immutable"
    assert body == bucket.get_object(Bucket=BUCKET, Key=master)["Body"].read()
    assert images.SERIAL.encode() not in body
    from PIL import Image

    with Image.open(io.BytesIO(body)) as image:
        assert image.size == (2000, 1333) and not image.getexif()
    for rendition in renditions:
        status, body, _ = fetch(default_storage.url(rendition["name"]))
        assert status == 200
        with Image.open(io.BytesIO(body)) as image:
            assert image.width == rendition["width"]

    with django_capture_on_commit_callbacks(execute=True):
        Photo.objects.get(pk=photo.pk).delete()
    assert keys(bucket) == set()


@pytest.mark.django_db
def test_an_article_page_shows_the_bucket_urls(client, bucket, article, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    upload = images.upload(images.encode(images.picture((900, 600)), "JPEG"), name="a.jpg")
    form = PhotoForm(data={"position": "0", "alt_text": "园区", "is_lead": "on"}, files={"image": upload})
    assert form.is_valid(), form.errors
    with django_capture_on_commit_callbacks(execute=True):
        photo = form.save(commit=False)
        photo.article = article
        photo.save()
    cache.clear()
    html = client.get(f"/articles/{article.pk}/").content.decode()
    photo.refresh_from_db()
    assert f"{bucket.meta.endpoint_url}/{BUCKET}/media/{rendition_records(photo)[0]['name']}" in html
