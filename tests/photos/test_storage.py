"""Where photos live: var/media/ by default, an S3-compatible bucket when one is named; who serves them."""

import pytest
from django.test import override_settings

from tests.test_settings import probe_settings

PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'storage': settings.STORAGES['default'], 'media_url': settings.MEDIA_URL, "
    "'media_root': str(settings.MEDIA_ROOT), 'serve': settings.SERVE_MEDIA, "
    "'img_src': settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']}))"
)


# What production sets in any case.
PRODUCTION = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 50}


def probe(**env):
    return probe_settings(PROBE, **env)


def test_by_default_photos_are_files_under_var_media_served_by_django_in_development():
    got = probe(DJANGO_DEBUG="1")
    # A FileSystemStorage that never leaves a half-written file (hengyang_cms/storage.py).
    assert got["storage"] == {"BACKEND": "hengyang_cms.storage.MediaStorage"}
    assert got["media_root"].endswith("/var/media") and got["media_url"] == "/media/"
    assert got["serve"] is True
    assert probe(**PRODUCTION)["serve"] is False
    assert probe(**PRODUCTION, DJANGO_SERVE_MEDIA="1")["serve"] is True


def test_a_bucket_setting_switches_to_s3_storage():
    got = probe(
        **PRODUCTION,
        DJANGO_SERVE_MEDIA="1",
        DJANGO_S3_BUCKET="hengyang-media",
        DJANGO_S3_ENDPOINT_URL="https://oss.example.com",
        DJANGO_S3_REGION="cn-central-1",
        DJANGO_S3_ACCESS_KEY_ID="AKIDEXAMPLE",
        DJANGO_S3_SECRET_ACCESS_KEY="secret",
    )
    assert got["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    options = got["storage"]["OPTIONS"]
    assert options["bucket_name"] == "hengyang-media" and options["endpoint_url"] == "https://oss.example.com"
    assert options["region_name"] == "cn-central-1" and options["location"] == "media"
    assert options["file_overwrite"] is False and options["querystring_auth"] is False
    assert got["serve"] is False  # the bucket serves them
    assert "https://oss.example.com" in got["img_src"] and "https://*.oss.example.com" in got["img_src"]


def test_a_cdn_domain_in_front_of_the_bucket_is_the_media_url():
    got = probe(
        DJANGO_DEBUG="1",
        DJANGO_S3_BUCKET="b",
        DJANGO_S3_CUSTOM_DOMAIN="img.hyrb.example",
    )
    assert got["storage"]["OPTIONS"]["custom_domain"] == "img.hyrb.example"
    assert got["media_url"] == "https://img.hyrb.example/media/"
    assert got["img_src"][-1] == "https://img.hyrb.example"


@pytest.mark.django_db
def test_media_is_served_only_when_switched_on(client, make_photo):
    photo = make_photo(size=(500, 400))
    rendition = photo.renditions["items"][0]["name"]
    with override_settings(SERVE_MEDIA=False):
        assert client.get(f"/media/{photo.image.name}").status_code == 404
    with override_settings(SERVE_MEDIA=True):
        master = client.get(f"/media/{photo.image.name}")
        assert master.status_code == 200 and master["Content-Type"] == "image/jpeg"
        served = client.get(f"/media/{rendition}")
        assert served.status_code == 200 and "immutable" in served["Cache-Control"]
        assert client.get("/media/../settings.py").status_code in (
            400,
            404,
        )  # never the file
        assert client.get("/media/photos/nothing-here.jpg").status_code == 404
