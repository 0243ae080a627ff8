import csv
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from articles.models import Article
from search.indexing import index_articles
from tests.factories import ArticleFactory, IssueFactory, PageFactory

pytestmark = pytest.mark.django_db

SEED = Path(settings.BASE_DIR).parent / "shared" / "seed" / "000_581a6fd3e0f6c134.txt"

NASTY = [
    "衡" * 2000,
    "' OR 1=1 --",
    "%_\\",
    "\x00",
    "\x01\x02\x1b[31m",
    "   ",
    "\u3000\u3000",
    "，。！？；：",
    "!!!",
    '"',
    '""',
    "“”",
    "-",
    "--",
    "- -",
    "-衡阳",
    "<script>alert(1)</script>",
    "{{ 7*7 }}{% debug %}",
    "%(q)s %s ? :1",
    "\\'; DROP TABLE articles_article; --",
    "a" * 201,
    " ".join(["词"] * 50),
    "\u200b\ufeff",
    "\U0001f600衡阳",
    "Ａ",  # noqa: RUF001
    "衡阳 \t\n 有色",
]


def body(response) -> str:
    return b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()


def page_text(response) -> str:
    """The page with highlighting removed, so titles can be looked for as printed."""
    return body(response).replace("<mark>", "").replace("</mark>", "")


@pytest.mark.parametrize("q", NASTY)
def test_nasty_queries_get_a_page_or_a_clear_400(client, corpus, q):
    for url in ("/search/", "/search/export.csv", "/search/export.jsonl"):
        response = client.get(url, {"q": q})
        assert response.status_code in (200, 400), (url, q)
        if response.status_code == 400:
            assert "无法检索" in body(response) or "不" in body(response)


@pytest.mark.parametrize(
    "query_string",
    [
        "q=%ED%A0%80",
        "q=%ff%fe",
        "q=%",
        "q=%E8%A1",
        "from=2019-13-45",
        "to=yesterday",
        "p=-1",
        "p=abc",
        "p=99999999999999999999",
        "cluster=nope",
        "commentator=999999",
        "commentator=<b>",
        "contributor=x",
        "page=%3Cscript%3E",
        "sort=evil",
        "status=hacked",
        "from=2020-01-01&to=2019-01-01",
        "q=%00",
    ],
)
def test_nasty_parameters_get_a_page_or_a_clear_400(client, corpus, query_string):
    response = client.get("/search/?" + query_string)
    assert response.status_code in (200, 400)


def test_long_query_is_a_400_with_a_chinese_message(client, db):
    response = client.get("/search/", {"q": "衡" * 2000})
    assert response.status_code == 400
    assert "检索词过长" in response.content.decode()


@hypothesis_settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    q=st.text(max_size=60),
    sort=st.sampled_from(["", "date", "-date", "x"]),
    p=st.text(max_size=4),
)
def test_fuzzed_queries_never_fail(client, corpus, q, sort, p):
    response = client.get("/search/", {"q": q, "sort": sort, "p": p})
    assert response.status_code in (200, 400)


def test_search_page_shows_results_with_date_issue_page_commentator_and_highlight(client, corpus):
    response = client.get("/search/", {"q": "夏君山"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "八大千亿产业领航衡阳“换道超车”" in page_text(response)
    assert "第A04版" in html
    assert "第9999期" in html
    assert "夏君山" in html and 'class="voice"' in html
    assert "<mark>" in html
    assert "/search/export.csv?q=" in html and "/search/export.jsonl?q=" in html
    assert 'class="year-histogram"' in html and 'class="bar"' in html


def test_snippets_and_queries_are_escaped(client, corpus):
    response = client.get("/search/", {"q": "<script>"})
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>&lt;script&gt;</mark>" in html or "&lt;script&gt;</mark>" in html
    assert "<b>标签</b>" not in client.get("/search/", {"q": "标签"}).content.decode()


def test_traditional_query_finds_simplified_text(client, corpus):
    html = page_text(client.get("/search/", {"q": "衡陽"}))
    assert "八大千亿产业领航衡阳“换道超车”" in html


def test_empty_query_shows_filters_and_latest_issues(client, db):
    # Issue #13 changed this test: only issues with a visible article are listed, dates unpadded.
    issue = IssueFactory(date="2024-03-05", number=12345)
    ArticleFactory(page=PageFactory(issue=issue))
    response = client.get("/search/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "最近几期报纸" in html and "2024年3月5日" in html
    assert 'name="cluster"' in html and 'name="from"' in html


def test_anonymous_readers_never_see_hidden_articles(client, corpus):
    html = page_text(client.get("/search/", {"q": "衡阳"}))
    for title in (
        "草稿：衡阳有色金属新规划",
        "待发布：衡阳新能源汽车展",
        "已撤稿：衡阳旅游数据有误",
    ):
        assert title not in html
    exported = body(client.get("/search/export.jsonl", {"q": "衡阳"}))
    assert "草稿" not in exported and "已撤稿" not in exported
    assert "状态（仅采编可见）" not in html


def test_staff_see_withdrawn_articles_marked_and_filter_by_status(staff_client, corpus):
    html = page_text(staff_client.get("/search/", {"q": "衡阳"}))
    assert "已撤稿：衡阳旅游数据有误" in html
    assert 'class="status-badge">已撤稿' in html
    only = page_text(staff_client.get("/search/", {"q": "衡阳", "status": "withdrawn"}))
    assert "已撤稿：衡阳旅游数据有误" in only and "八大千亿产业领航" not in only


def test_pagination(client, db):
    articles = [ArticleFactory(title=f"雁峰区新闻{i}") for i in range(45)]
    index_articles([a.pk for a in articles])
    first = client.get("/search/", {"q": "雁峰", "sort": "-date"}).content.decode()
    assert "共 45 篇" in first and 'rel="next"' in first
    third = client.get("/search/", {"q": "雁峰", "sort": "-date", "p": "3"}).content.decode()
    assert third.count('class="search-result"') == 5
    beyond = client.get("/search/", {"q": "雁峰", "p": "99"})
    assert beyond.status_code == 200  # clamped to the last page


def test_csv_export_is_excel_friendly_and_streams_the_whole_result_set(client, db):
    articles = [ArticleFactory(title=f"南岳衡山旅游{i}") for i in range(25)]
    index_articles([a.pk for a in articles])
    response = client.get("/search/export.csv", {"q": "南岳"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:2] == ["编号", "主题"]
    assert sorted(r[1] for r in rows[1:]) == sorted(a.title for a in articles)


def test_jsonl_export_follows_the_article_schema(client, corpus):
    response = client.get("/search/export.jsonl", {"q": "衡阳", "cluster": "nonferrous"})
    assert response.status_code == 200 and response.streaming
    records = [json.loads(line) for line in body(response).splitlines()]
    assert {r["title"] for r in records} == {
        "八大千亿产业领航衡阳“换道超车”",
        "中国五矿铜铅锌产业基地30万吨锌项目投产",
    }
    for key in (
        "id",
        "url",
        "status",
        "published_at",
        "issue_date",
        "page",
        "tags",
        "kicker",
        "credits",
        "lead",
        "sections",
        "clusters",
    ):
        assert key in records[0]


@pytest.mark.skipif(not SEED.exists(), reason="the seed file sits beside the repository")
def test_the_imported_seed_is_found_by_its_words(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import_articles",
            str(SEED),
            "--date",
            "2019-01-18",
            "--page",
            "A04",
            "--status",
            "published",
        )
    other = ArticleFactory(title="与产业无关的消息", lead="今天天气晴。")
    index_articles([other.pk])
    assert client.get("/search/", {"q": "衡阳"}).status_code == 200
    records = [json.loads(line) for line in body(client.get("/search/export.jsonl", {"q": "有色金属"})).splitlines()]
    assert [r["title"] for r in records] == ["八大千亿产业领航衡阳“换道超车”"]
    assert client.get("/search/", {"q": "' OR 1=1 --"}).status_code == 200
    seed = Article.objects.get(title="八大千亿产业领航衡阳“换道超车”")
    # 可持 / 续发展 were split by a page break in print and rejoined on import.
    html = page_text(client.get("/search/", {"q": "可持续发展"}))
    assert seed.title in html
