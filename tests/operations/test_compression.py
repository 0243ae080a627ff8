"""Public pages are compressed by the app when no proxy does it; nothing holding a secret is (BREACH)."""

import gzip

import brotli
import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from hengyang_cms.compression import CompressionMiddleware, accepted_encodings, choose_encoding

pytestmark = pytest.mark.django_db

BROWSER = "gzip, deflate, br, zstd"


def test_the_anonymous_home_page_is_gzipped_when_the_client_accepts_it(client, article):
    plain = client.get("/")
    zipped = client.get("/", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert plain.status_code == zipped.status_code == 200
    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert int(zipped["Content-Length"]) == len(zipped.content) < len(plain.content) / 2
    for response in (plain, zipped):
        assert "Accept-Encoding" in response["Vary"]


def test_brotli_is_preferred_when_accepted(client, article):
    plain = client.get(f"/articles/{article.pk}/")
    compressed = client.get(f"/articles/{article.pk}/", HTTP_ACCEPT_ENCODING=BROWSER)
    assert compressed["Content-Encoding"] == "br"
    assert brotli.decompress(compressed.content) == plain.content


def test_a_compressed_article_still_answers_conditional_gets(client, article):
    first = client.get(f"/articles/{article.pk}/", HTTP_ACCEPT_ENCODING="gzip")
    assert first["Content-Encoding"] == "gzip"
    assert first["ETag"].startswith('W/"')  # the bytes differ from the plain page's
    again = client.get(f"/articles/{article.pk}/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_feeds_and_sitemaps_are_compressed(client, article):
    for path in ("/feeds/latest/", "/sitemap.xml"):
        response = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
        if len(client.get(path).content) >= 512:
            assert response["Content-Encoding"] == "gzip", path


def test_the_admin_login_page_with_its_csrf_token_is_not_compressed(client):
    response = client.get("/admin/login/", HTTP_ACCEPT_ENCODING=BROWSER)
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert b"csrfmiddlewaretoken" in response.content


def test_pages_for_a_logged_in_editor_are_not_compressed(staff_client, article):
    for path in ("/", f"/articles/{article.pk}/", "/search/?q=衡阳", "/admin/", "/admin/articles/article/"):
        response = staff_client.get(path, HTTP_ACCEPT_ENCODING=BROWSER)
        assert response.status_code == 200, path
        assert "Content-Encoding" not in response, path


def test_a_request_with_a_session_cookie_is_not_compressed_even_if_the_session_is_gone(client, article):
    client.cookies["sessionid"] = "expired-or-forged"
    response = client.get("/", HTTP_ACCEPT_ENCODING=BROWSER)
    assert "Content-Encoding" not in response


def test_an_api_request_with_a_token_is_not_compressed(client, article):
    response = client.get("/", HTTP_ACCEPT_ENCODING=BROWSER, HTTP_AUTHORIZATION="Bearer anything")
    assert "Content-Encoding" not in response


def _middleware(response):
    return CompressionMiddleware(lambda request: response)


def _page(content_type="text/html; charset=utf-8", size=4000):
    return HttpResponse("衡阳日报" * size, content_type=content_type)


def test_a_response_that_sets_a_cookie_is_not_compressed():
    response = _page()
    response.set_cookie("csrftoken", "secret")
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in _middleware(response)(request)


def test_a_page_that_used_the_csrf_token_is_not_compressed():
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip")
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    assert "Content-Encoding" not in _middleware(_page())(request)


@pytest.mark.parametrize(
    ("content_type", "compressed"),
    [
        ("text/html; charset=utf-8", True),
        ("application/json", True),
        ("application/rss+xml; charset=utf-8", True),
        ("application/xml", True),
        ("text/css", True),
        ("text/javascript", True),
        ("image/jpeg", False),
        ("application/octet-stream", False),
    ],
)
def test_only_text_types_are_compressed(content_type, compressed):
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip")
    response = _middleware(_page(content_type))(request)
    assert (response.get("Content-Encoding") == "gzip") is compressed


def test_small_and_already_encoded_responses_are_left_alone():
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in _middleware(HttpResponse("短"))(request)
    encoded = _page()
    encoded["Content-Encoding"] = "identity"
    assert _middleware(encoded)(request)["Content-Encoding"] == "identity"


@override_settings(COMPRESS_RESPONSES=False)
def test_behind_a_proxy_the_app_leaves_compression_to_it(client, article):
    assert "Content-Encoding" not in client.get("/", HTTP_ACCEPT_ENCODING=BROWSER)


def test_accept_encoding_is_read_with_its_qualities():
    assert accepted_encodings("gzip;q=0.5, br") == {"gzip": 0.5, "br": 1.0}
    assert choose_encoding("gzip, br") == "br"
    assert choose_encoding("gzip;q=1, br;q=0.1") == "gzip"
    assert choose_encoding("br;q=0, gzip") == "gzip"
    assert choose_encoding("identity") is None
    assert choose_encoding("*") == "br"
    assert choose_encoding("*;q=0") is None
    assert choose_encoding("") is None
    assert choose_encoding("gzip;q=nonsense") is None
