"""Articles: the detail holds everything the export does (and photos with their renditions),
the list takes the search filters, sorts by date either way, by relevance or by change, and
its cursors walk the whole archive exactly once even while articles are published."""

import datetime

import pytest
from django.utils import timezone

from api.schemas import ArticleDetail, ArticleList
from articles.models import Article, Photo
from articles.photos.renditions import photo_make_renditions
from articles.selectors import article_record, export_queryset
from search.indexing import index_articles
from tests.api.conftest import ISSUE_DATE, PUBLIC
from tests.factories import ArticleFactory, CommentatorFactory, CreditFactory, SectionFactory, cluster, image_file

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def walk(client, url: str, during=None) -> list[int]:
    """Every id a client collects by following next links; ``during(page_number)`` runs between pages."""
    seen, number = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        url = body["next"]
        number += 1
        if during:
            during(number)
        assert number < 100
    return seen


def test_the_detail_has_every_field_of_the_export_and_more(client, archive):
    article = archive["public"]
    CreditFactory(article=article, position=2, role="摄影", qualifier="", contributor__name="黄沐")
    photo = Photo.objects.create(
        article=article, image=image_file("a.jpg", size=(900, 600)), alt_text="园区全景", caption="园区", is_lead=True
    )
    photo_make_renditions(photo)
    response = client.get(f"/api/v1/articles/{article.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    detail = response.json()
    ArticleDetail.model_validate(detail)
    record = article_record(export_queryset(Article.objects.filter(pk=article.pk)).get())
    for key, value in record.items():
        if key == "sections":
            shown = [
                {**s, "commentator": s["commentator"] and {k: v for k, v in s["commentator"].items() if k != "id"}}
                for s in detail[key]
            ]
            assert shown == value
        else:
            assert detail[key] == value, key
    assert detail["canonical_url"] == f"http://testserver/articles/{article.pk}/"
    assert detail["api_url"] == f"http://testserver/api/v1/articles/{article.pk}"
    assert detail["credits"] == [{"role": "记者", "names": [f"记者{PUBLIC}"]}, {"role": "摄影", "names": ["黄沐"]}]
    section = detail["sections"][0]
    assert section["commentator"] == {
        "id": section["commentator"]["id"],
        "name": f"代表{PUBLIC}",
        "title": "市政协委员",
    }
    assert section["paragraphs"] == [f"正文{PUBLIC}。", "### 段内小标题", "第二段。"]
    assert detail["issue_date"] == ISSUE_DATE.isoformat() and detail["issue_number"] == 16888
    assert detail["page"] == {"number": "A04", "name": "两会特刊"}
    assert detail["clusters"] == ["轨道交通"]
    [shown_photo] = detail["photos"]
    assert shown_photo["is_lead"] and shown_photo["alt_text"] == "园区全景"
    assert shown_photo["url"].startswith("http://testserver/media/photos/")
    widths = [(r["width"], r["format"]) for r in shown_photo["renditions"]]
    assert (400, "webp") in widths and (400, "jpeg") in widths and (800, "jpeg") in widths
    assert all(r["url"].startswith("http://testserver/media/") and r["height"] > 0 for r in shown_photo["renditions"])
    assert detail["withdrawn_reason"] is None
    assert datetime.datetime.fromisoformat(detail["updated_at"]) >= datetime.datetime.fromisoformat(
        detail["published_at"]
    )


def test_the_detail_is_kept_and_changes_with_the_article(client, archive):
    article = archive["public"]
    first = client.get(f"/api/v1/articles/{article.pk}")
    Article.objects.filter(pk=article.pk).update(title="改过的标题", version=article.version + 1)
    second = client.get(f"/api/v1/articles/{article.pk}")
    assert second.json()["title"] == "改过的标题"
    assert first["ETag"] != second["ETag"]


def test_an_unknown_or_absurd_id_is_a_problem_not_a_crash(client, db):
    assert client.get("/api/v1/articles/999999").status_code == 404
    assert client.get(f"/api/v1/articles/{2**63}").status_code == 400
    assert client.get("/api/v1/articles/0").status_code == 400
    assert client.get("/api/v1/articles/abc").status_code == 400


def test_the_list_is_newest_first_and_the_schema_holds(client, archive):
    older = ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=30))
    response = client.get("/api/v1/articles")
    ArticleList.model_validate(response.json())
    assert ids(response) == [archive["public"].pk, older.pk]
    assert ids(client.get("/api/v1/articles?sort=date")) == [older.pk, archive["public"].pk]
    item = response.json()["items"][0]
    assert item["excerpt"].startswith("导语") and item["tags"] == sorted(item["tags"])
    assert "sections" not in item
    full = client.get("/api/v1/articles?full=true").json()["items"][0]
    assert full["sections"][0]["heading"] == f"小标题{PUBLIC}"


def test_list_filters_are_the_search_filters(client, archive):
    public = archive["public"]
    other = ArticleFactory(title="纺织服装产业稿件", published_at=timezone.now() - datetime.timedelta(days=400))
    other.clusters.set([cluster("textiles")])
    index_articles([other.pk])
    everyone = {public.pk, other.pk}
    day = timezone.localdate(public.published_at)
    cases = {
        f"q={PUBLIC}": [public.pk],
        "q=纺织服装": [other.pk],
        f"q=-{PUBLIC}": [other.pk],
        f"from={day}": [public.pk],
        f"to={day - datetime.timedelta(days=1)}": [other.pk],
        "from=0001-01-01&to=9999-12-31": sorted(everyone, key=lambda pk: pk != public.pk),
        f"issue={ISSUE_DATE}": [public.pk],
        "page=a04": [public.pk],
        "cluster=rail-transit": [public.pk],
        "cluster=纺织服装": [other.pk],
        f"commentator=代表{PUBLIC}": [public.pk],
        f"commentator={public.sections.get().commentator_id}": [public.pk],
        f"contributor=记者{PUBLIC}": [public.pk],
        f"tag=标签{PUBLIC}": [public.pk],
        "tag=没有的标签": [],
    }
    for query, expected in cases.items():
        assert ids(client.get(f"/api/v1/articles?{query}")) == expected, query


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("cluster=no-such-cluster", "cluster"),
        ("commentator=没有这个人", "commentator"),
        ("contributor=99999999", "contributor"),
        ("from=2019-02-01&to=2019-01-01", "from"),
        ("sort=relevance", "sort"),
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("q=" + "长" * 201, "q"),
        ("q=%00", "q"),
        ("tag=%00", "tag"),
        ("page=A0001", "page"),
        ("from=2019-13-45", "from"),
        ("updated_since=yesterday", "updated_since"),
        ("cursor=not-a-cursor", "cursor"),
    ],
)
def test_bad_parameters_are_400_problems_naming_the_parameter(client, db, query, field):
    response = client.get(f"/api/v1/articles?{query}")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["title"] == "请求参数有误" and body["status"] == 400 and body["detail"]
    assert field in [error["field"] for error in body["errors"]]


def test_relevance_puts_title_matches_first_and_pages_by_position(client, db):
    now = timezone.now()
    in_body = ArticleFactory(
        title="一篇稿件", lead="正文提到衡阳钢管。", published_at=now - datetime.timedelta(hours=1)
    )
    in_title = ArticleFactory(title="衡阳钢管扩产", published_at=now - datetime.timedelta(days=9))
    index_articles([in_body.pk, in_title.pk])
    assert ids(client.get("/api/v1/articles?q=衡阳钢管")) == [in_title.pk, in_body.pk]
    assert ids(client.get("/api/v1/articles?q=衡阳钢管&sort=-date")) == [in_body.pk, in_title.pk]
    assert walk(client, "/api/v1/articles?q=衡阳钢管&limit=1") == [in_title.pk, in_body.pk]
    cursor = client.get("/api/v1/articles?q=衡阳钢管&limit=1").json()["next_cursor"]
    assert client.get(f"/api/v1/articles?q=衡阳钢管&sort=-date&cursor={cursor}").status_code == 400


def test_a_harvest_reads_every_article_once_while_new_ones_are_published(client, db):
    now = timezone.now()
    # Two articles share a publication time: the id breaks the tie.
    same_time = now - datetime.timedelta(days=5)
    articles = [ArticleFactory(published_at=now - datetime.timedelta(days=d)) for d in range(1, 8)]
    articles += [ArticleFactory(published_at=same_time), ArticleFactory(published_at=same_time)]

    def publish(page_number):
        ArticleFactory(title=f"收割时新发布{page_number}", published_at=timezone.now())

    harvested = walk(client, "/api/v1/articles?limit=2", during=publish)
    assert sorted(harvested) == sorted(a.pk for a in articles)
    oldest_first = walk(client, "/api/v1/articles?limit=3&sort=date")
    assert len(oldest_first) == len(set(oldest_first)) == Article.objects.count()


def test_updated_since_lists_changes_in_order_including_scheduled_articles_going_live(client, db):
    now = timezone.now()
    long_ago = now - datetime.timedelta(days=30)
    untouched = ArticleFactory(published_at=long_ago)
    edited = ArticleFactory(published_at=long_ago)
    went_live = ArticleFactory(status=Article.Status.SCHEDULED, published_at=now - datetime.timedelta(minutes=5))
    not_yet = ArticleFactory(status=Article.Status.SCHEDULED, published_at=now + datetime.timedelta(hours=1))
    Article.objects.filter(pk__in=[untouched.pk, edited.pk, went_live.pk, not_yet.pk]).update(updated_at=long_ago)
    Article.objects.filter(pk=edited.pk).update(updated_at=now - datetime.timedelta(minutes=1))
    since = (now - datetime.timedelta(hours=1)).isoformat()
    response = client.get("/api/v1/articles", {"updated_since": since})
    # The scheduled article went live five minutes ago, without any write: it counts as changed then.
    assert ids(response) == [went_live.pk, edited.pk]
    assert walk(client, f"/api/v1/articles?limit=1&updated_since={since.replace('+', '%2B')}") == [
        went_live.pk,
        edited.pk,
    ]
    # A time needs its offset (+ written %2B in a URL, or Z); without one it is a 400 that says so.
    naive = client.get("/api/v1/articles", {"updated_since": "2019-01-08T06:00:00"})
    assert naive.status_code == 400 and "%2B" in naive.json()["errors"][0]["message"]
    # From the beginning of time: every visible article, in the order of their changes.
    assert ids(client.get("/api/v1/articles", {"updated_since": "0001-01-01T00:00:00+08:00"})) == [
        untouched.pk,
        went_live.pk,
        edited.pk,
    ]


def test_an_edit_during_a_sync_walk_comes_again_at_the_end(client, db):
    long_ago = timezone.now() - datetime.timedelta(days=30)
    articles = [ArticleFactory(published_at=long_ago) for _ in range(4)]
    for offset, article in enumerate(articles):
        Article.objects.filter(pk=article.pk).update(updated_at=long_ago + datetime.timedelta(minutes=offset))

    def edit_the_first(page_number):
        if page_number == 1:
            Article.objects.filter(pk=articles[0].pk).update(updated_at=timezone.now())

    seen = walk(client, "/api/v1/articles?limit=2&sort=updated", during=edit_the_first)
    assert seen == [a.pk for a in articles] + [articles[0].pk]


def test_commentator_and_sections_keep_the_title_printed_then(client, db):
    person = CommentatorFactory(name="夏君山", title="市人大代表")
    article = ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=900))
    SectionFactory(article=article, position=1, commentator=person, commentator_title="市政协委员")
    detail = client.get(f"/api/v1/articles/{article.pk}").json()
    assert detail["sections"][0]["commentator"] == {"id": person.pk, "name": "夏君山", "title": "市政协委员"}
    page = client.get(f"/api/v1/commentators/{person.pk}").json()
    assert page["title"] == "市人大代表" and page["body"] == "人大"
    assert [(s["title"], s["article"]["id"]) for s in page["sections"]] == [("市政协委员", article.pk)]
