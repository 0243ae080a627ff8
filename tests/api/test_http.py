"""HTTP done properly: validators and 304, Cache-Control as the pages, CORS for reading, a rate
limit with Retry-After, and problem details (never an HTML page) for every error."""

import json

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from ninja.responses import NinjaJSONEncoder

from api.main import api
from tests.api.conftest import ISSUE_DATE, bearer

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/articles",
    "/api/v1/issues",
    "/api/v1/clusters",
    "/api/v1/commentators",
    "/api/v1/tags",
    "/api/v1/clusters/rail-transit",
    f"/api/v1/issues/{ISSUE_DATE}",
]


def test_the_detail_answers_conditional_requests(client, archive):
    url = f"/api/v1/articles/{archive['public'].pk}"
    first = client.get(url)
    assert first["ETag"] and first["Last-Modified"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"] and "public" in again["Cache-Control"]
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


@pytest.mark.parametrize("url", LISTS)
def test_lists_answer_conditional_requests(client, archive, url):
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


def test_a_publication_changes_the_lists_validators(client, archive):
    from tests.factories import ArticleFactory

    first = client.get("/api/v1/articles")
    ArticleFactory(title="新发布的稿件")
    assert client.get("/api/v1/articles", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


@pytest.mark.parametrize("url", [*LISTS, "/api/v1/", "/api/v1/articles/{pk}"])
def test_cache_control_is_public_for_readers_and_private_for_tokens(client, archive, chief_token, url):
    url = url.format(pk=archive["public"].pk)
    anonymous = client.get(url)
    assert anonymous.status_code == 200
    assert "public" in anonymous["Cache-Control"] and "max-age=" in anonymous["Cache-Control"]
    assert "Authorization" in anonymous["Vary"]
    staff = client.get(url, **bearer(chief_token))
    assert staff["Cache-Control"] == "private, no-store"
    assert "Cookie" not in anonymous.get("Vary", "")


def test_cors_is_open_for_reading_on_the_api_only(client, archive):
    response = client.get("/api/v1/articles", HTTP_ORIGIN="https://partner.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/v1/articles",
        HTTP_ORIGIN="https://partner.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert preflight.status_code == 200
    assert (
        "GET" in preflight["Access-Control-Allow-Methods"] and "POST" not in preflight["Access-Control-Allow-Methods"]
    )
    assert "authorization" in preflight["Access-Control-Allow-Headers"]
    page = client.get("/", HTTP_ORIGIN="https://partner.example")
    assert "Access-Control-Allow-Origin" not in page


@override_settings(API_RATE_LIMIT="3/m")
def test_anonymous_clients_are_rate_limited_with_retry_after(archive, chief_token):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        assert client.get("/api/v1/articles").status_code == 200
    limited = client.get("/api/v1/articles")
    assert limited.status_code == 429
    assert limited["Content-Type"].startswith("application/problem+json")
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited.json()["retry_after"] == int(limited["Retry-After"])
    assert limited["Cache-Control"] == "no-store"
    # Another address, and a token, are not held back.
    assert Client(REMOTE_ADDR="203.0.113.10").get("/api/v1/articles").status_code == 200
    assert client.get("/api/v1/articles", **bearer(chief_token)).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/nowhere",
        "/api/v1/articles/",
        "/api/v1/articles/1/extra",
        "/api/v1/clusters/no-such",
        "/api/v1/issues/2019-02-30",
        "/api/v1/x%00y",
    ],
)
def test_unknown_paths_and_objects_are_json_problems(client, db, url):
    response = client.get(url)
    assert response.status_code in (400, 404)
    assert response["Content-Type"] == "application/problem+json; charset=utf-8"
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail"}
    assert body["type"].startswith("http://testserver/api/v1/docs#problem-")
    assert body["status"] == response.status_code


def test_a_500_is_a_json_problem_too(client, db, monkeypatch):
    from api import browse

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(browse, "readable_issues", broken)
    response = client.get("/api/v1/issues")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["title"] == "服务器内部错误"
    assert "boom" not in response.content.decode()


def test_the_schema_is_generated_from_the_code(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert paths >= {
        "/api/v1/",
        "/api/v1/articles",
        "/api/v1/articles/{article_id}",
        "/api/v1/issues",
        "/api/v1/issues/{issue_date}",
        "/api/v1/clusters",
        "/api/v1/clusters/{slug}",
        "/api/v1/commentators",
        "/api/v1/commentators/{commentator_id}",
        "/api/v1/tags",
    }
    detail = schema["paths"]["/api/v1/articles/{article_id}"]["get"]["responses"]
    assert "application/problem+json" in detail["410"]["content"]
    assert schema["security"] == [{}, {"token": []}]
    assert "304" in detail and "429" in detail
    generated = json.loads(json.dumps(api.get_openapi_schema(path_prefix=reverse("api:index")), cls=NinjaJSONEncoder))
    assert schema == generated
