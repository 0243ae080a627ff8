"""The CSV export as someone opening it in Excel sees it: no cell runs as a formula, statuses in
Chinese as on the screen, rows in the screen's order, times to the second. The JSON Lines export
keeps the data's codes."""

import csv
import datetime
import io
import json
import re

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from articles.models import Article
from search.indexing import index_articles
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://evil.example/","衡阳")',
    "+1+2 衡阳",
    "-2+3 衡阳",
    "@SUM(1,2) 衡阳",
    "\t衡阳制表符",
    "\r衡阳回车",
]


def body(response) -> str:
    return b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()


def csv_records(response) -> list[dict]:
    rows = list(csv.reader(io.StringIO(body(response).lstrip("\ufeff"))))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def page_titles(client, params) -> list[str]:
    html = client.get("/search/", params).content.decode().replace("<mark>", "").replace("</mark>", "")
    return [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<h3>(.*?)</h3>", html, re.S)]


def test_no_cell_runs_as_a_formula(client, db):
    now = timezone.now()
    articles = [
        ArticleFactory(title=title, kicker="=1+1", subtitle="@衡阳", lead="-导语\n\n衡阳", published_at=now)
        for title in FORMULAS
    ]
    articles.append(ArticleFactory(title="衡阳 =不在开头", lead="正常导语"))
    articles[0].tags.set(["=cmd|' /C calc'!A0"])
    index_articles([a.pk for a in articles])
    records = csv_records(client.get("/search/export.csv", {"q": "衡阳"}))
    assert len(records) == len(articles)
    titles = {r["主题"] for r in records}
    assert titles == {"'" + title for title in FORMULAS} | {"衡阳 =不在开头"}
    for record in records:
        for label, cell in record.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (label, cell)
    neutral = next(r for r in records if r["主题"] == "衡阳 =不在开头")
    assert neutral["导语"] == "正常导语"
    flagged = next(r for r in records if r["主题"] == "'" + FORMULAS[0])
    assert flagged["引题"] == "'=1+1" and flagged["副题"] == "'@衡阳" and flagged["标签"] == "'=cmd|' /C calc'!A0"
    # The JSON Lines export is data, not a spreadsheet: the titles as they are.
    lines = body(client.get("/search/export.jsonl", {"q": "衡阳"})).splitlines()
    assert {json.loads(line)["title"] for line in lines} == set(FORMULAS) | {"衡阳 =不在开头"}


@pytest.fixture
def statuses(db):
    now = timezone.now()
    articles = [
        ArticleFactory(title="衡阳草稿", status=Article.Status.DRAFT, published_at=None),
        ArticleFactory(title="衡阳审核中", status=Article.Status.REVIEW, published_at=None),
        ArticleFactory(
            title="衡阳待发布", status=Article.Status.SCHEDULED, published_at=now + datetime.timedelta(days=1)
        ),
        ArticleFactory(
            title="衡阳已发布",
            status=Article.Status.PUBLISHED,
            published_at=now.replace(microsecond=123456) - datetime.timedelta(days=1),
        ),
        ArticleFactory(
            title="衡阳已撤稿", status=Article.Status.WITHDRAWN, published_at=now - datetime.timedelta(days=2)
        ),
    ]
    index_articles([a.pk for a in articles])
    return articles


def test_csv_statuses_are_the_screens_labels_and_jsonl_keeps_codes(client, statuses):
    editor = User.objects.create_user("editor", password=None, is_staff=True)
    editor.groups.add(Group.objects.get(name="编辑"))
    client.force_login(editor)
    by_title = {r["主题"]: r["状态"] for r in csv_records(client.get("/search/export.csv", {"q": "衡阳"}))}
    assert by_title == {
        "衡阳草稿": "草稿",
        "衡阳审核中": "审核中",
        "衡阳待发布": "待发布",
        "衡阳已发布": "已发布",
        "衡阳已撤稿": "已撤稿",
    }
    lines = body(client.get("/search/export.jsonl", {"q": "衡阳"})).splitlines()
    assert {json.loads(line)["title"]: json.loads(line)["status"] for line in lines} == {
        "衡阳草稿": "draft",
        "衡阳审核中": "review",
        "衡阳待发布": "scheduled",
        "衡阳已发布": "published",
        "衡阳已撤稿": "withdrawn",
    }


def test_csv_times_are_iso_8601_to_the_second_with_their_offset(client, statuses):
    records = csv_records(client.get("/search/export.csv", {"q": "衡阳"}))
    published = next(r for r in records if r["主题"] == "衡阳已发布")["发布时间"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", published), published
    expected = timezone.localtime(statuses[3].published_at).replace(microsecond=0)
    assert datetime.datetime.fromisoformat(published) == expected


@pytest.fixture
def ranked(db):
    now = timezone.now()
    # Relevance, date and id orders all differ: a title match that is old, a body match with
    # many occurrences, a newer body match with one.
    specs = [
        ("园区新闻甲", "石鼓书院一次。", 3),
        ("石鼓书院修缮完工", "修缮。", 300),
        ("园区新闻乙", "石鼓书院、石鼓书院、石鼓书院。", 30),
        ("园区新闻丙", "石鼓书院。", 1),
        ("园区新闻丁", "石鼓书院两次，石鼓书院。", 100),
    ]
    articles = [
        ArticleFactory(title=title, lead=lead, published_at=now - datetime.timedelta(days=days))
        for title, lead, days in specs
    ]
    index_articles([a.pk for a in articles])
    return articles


@pytest.mark.parametrize("sort", ["", "-date", "date"])
@pytest.mark.parametrize("extension", ["csv", "jsonl"])
def test_exports_list_the_rows_in_the_screens_order(client, ranked, sort, extension):
    params = {"q": "石鼓书院", "sort": sort}
    shown = page_titles(client, params)
    assert len(shown) == 5
    response = client.get(f"/search/export.{extension}", params)
    if extension == "csv":
        exported = [r["主题"] for r in csv_records(response)]
    else:
        exported = [json.loads(line)["title"] for line in body(response).splitlines()]
    assert exported == shown
    if sort == "":
        assert shown[0] == "石鼓书院修缮完工"  # the title match, though the oldest


def test_without_words_to_rank_by_exports_list_the_newest_first_like_the_screen(client, ranked):
    params = {"q": "-不存在的词"}
    shown = page_titles(client, params)
    exported = [r["主题"] for r in csv_records(client.get("/search/export.csv", params))]
    assert exported == shown == [a.title for a in sorted(ranked, key=lambda a: a.published_at, reverse=True)]
