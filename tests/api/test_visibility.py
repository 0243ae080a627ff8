"""Every endpoint shows an anonymous client what readers see and nothing else: a draft, a
scheduled article whose time has not come and a withdrawn article (each carrying words found
nowhere else) appear in no list, detail, count or nested object. A token reads what the
article admin lists for its account."""

import pytest

from tests.api.conftest import DRAFT, HIDDEN, ISSUE_DATE, PUBLIC, SCHEDULED, WITHDRAWN, bearer, make_token

pytestmark = pytest.mark.django_db


def everything_read(client, archive, **headers) -> tuple[str, dict[str, int]]:
    """The text of every answer the API gives about the archive, and their status codes."""
    urls = [
        "/api/v1/",
        "/api/v1/articles?limit=100",
        "/api/v1/articles?limit=100&full=true",
        "/api/v1/articles?limit=100&sort=date",
        "/api/v1/articles?limit=100&sort=updated",
        "/api/v1/articles?updated_since=2000-01-01T00:00:00%2B08:00",
        "/api/v1/articles?cluster=rail-transit",
        "/api/v1/articles?tag=产业",
        f"/api/v1/articles?issue={ISSUE_DATE}",
        "/api/v1/issues",
        f"/api/v1/issues/{ISSUE_DATE}",
        "/api/v1/clusters",
        "/api/v1/clusters/rail-transit",
        "/api/v1/commentators?limit=100",
        "/api/v1/tags?limit=100",
    ]
    for word in (PUBLIC, *HIDDEN.values()):
        urls += [f"/api/v1/articles?q={word}", f"/api/v1/articles?q={word}&sort=-date", f"/api/v1/tags?q={word}"]
        urls.append(f"/api/v1/articles?commentator=代表{word}")
        urls.append(f"/api/v1/articles?contributor=记者{word}")
        urls.append(f"/api/v1/articles?tag=标签{word}")
    for key in ("public", "draft", "scheduled", "withdrawn"):
        article = archive[key]
        urls.append(f"/api/v1/articles/{article.pk}")
        urls.append(f"/api/v1/commentators/{article.sections.get().commentator_id}")
    texts, statuses = [], {}
    for url in urls:
        response = client.get(url, **headers)
        statuses[url] = response.status_code
        assert response.status_code < 500, url
        texts.append(response.content.decode())
    return "\n".join(texts), statuses


def test_anonymous_clients_never_see_drafts_scheduled_or_withdrawn_articles(client, archive):
    text, statuses = everything_read(client, archive)
    assert PUBLIC in text
    for state, word in HIDDEN.items():
        assert word not in text, f"the {state} article shows"
    # Their details: 404, and 410 with the notice for the withdrawn one.
    assert statuses[f"/api/v1/articles/{archive['draft'].pk}"] == 404
    assert statuses[f"/api/v1/articles/{archive['scheduled'].pk}"] == 404
    assert statuses[f"/api/v1/articles/{archive['withdrawn'].pk}"] == 410
    # A commentator known only from hidden articles is not public.
    for key in ("draft", "scheduled", "withdrawn"):
        assert statuses[f"/api/v1/commentators/{archive[key].sections.get().commentator_id}"] == 404


def test_counts_and_nested_objects_hold_only_visible_articles(client, archive):
    clusters = {c["slug"]: c for c in client.get("/api/v1/clusters").json()["items"]}
    assert clusters["rail-transit"]["article_count"] == 1
    rail = client.get("/api/v1/clusters/rail-transit").json()
    assert [m["text"] for m in rail["milestones"]] == [f"大事{PUBLIC}"]
    assert rail["milestones"][0]["source_article"]["id"] == archive["public"].pk
    issue = client.get(f"/api/v1/issues/{ISSUE_DATE}").json()
    assert issue["article_count"] == 1
    assert [page["number"] for page in issue["pages"]] == ["A04"]
    listed = client.get("/api/v1/issues").json()["items"][0]
    assert listed["article_count"] == 1 and [p["number"] for p in listed["pages"]] == ["A04"]
    tags = {t["name"]: t["article_count"] for t in client.get("/api/v1/tags?limit=100").json()["items"]}
    assert tags == {"产业": 1, f"标签{PUBLIC}": 1}
    people = client.get("/api/v1/commentators").json()["items"]
    assert [(p["name"], p["section_count"]) for p in people] == [(f"代表{PUBLIC}", 1)]


def test_a_withdrawn_article_answers_410_with_its_notice(client, archive):
    response = client.get(f"/api/v1/articles/{archive['withdrawn'].pk}")
    assert response.status_code == 410
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 410 and body["title"] == "稿件已撤回"
    assert body["withdrawn_reason"] == "经核实，稿件中数据有误，本报予以撤回。"
    assert WITHDRAWN not in response.content.decode()
    assert "public" in response["Cache-Control"]


def test_the_editor_in_chiefs_token_reads_every_status(client, archive, chief_token):
    text, _ = everything_read(client, archive, **bearer(chief_token))
    for word in (PUBLIC, DRAFT, SCHEDULED, WITHDRAWN):
        assert word in text
    detail = client.get(f"/api/v1/articles/{archive['withdrawn'].pk}", **bearer(chief_token)).json()
    assert detail["status"] == "withdrawn"
    assert detail["withdrawn_reason"] == "经核实，稿件中数据有误，本报予以撤回。"
    counts = {
        c["slug"]: c["article_count"] for c in client.get("/api/v1/clusters", **bearer(chief_token)).json()["items"]
    }
    assert counts["rail-transit"] == 4
    issue = client.get(f"/api/v1/issues/{ISSUE_DATE}", **bearer(chief_token)).json()
    assert issue["article_count"] == 4


def test_a_reporters_token_adds_only_their_own_pieces(client, archive):
    token = make_token(archive["reporter"])
    text, statuses = everything_read(client, archive, **bearer(token))
    assert PUBLIC in text and DRAFT in text
    assert SCHEDULED not in text and WITHDRAWN not in text
    assert statuses[f"/api/v1/articles/{archive['draft'].pk}"] == 200
    assert statuses[f"/api/v1/articles/{archive['withdrawn'].pk}"] == 410


def test_status_filter_works_for_staff_and_is_ignored_for_readers(client, archive, chief_token):
    drafts = client.get("/api/v1/articles?status=draft", **bearer(chief_token)).json()["items"]
    assert [a["id"] for a in drafts] == [archive["draft"].pk]
    anonymous = client.get("/api/v1/articles?status=draft").json()["items"]
    assert [a["id"] for a in anonymous] == [archive["public"].pk]
