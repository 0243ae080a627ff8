"""The search page as a reader first sees it: year bars drawn within the site's CSP, each date
said once and unpadded, an exclusion-only search described as what it is, and only issues a
reader can open."""

import datetime
import re

import pytest
from django.utils import timezone

from articles.models import Article
from search.indexing import index_articles
from tests.factories import ArticleFactory, IssueFactory, PageFactory

pytestmark = pytest.mark.django_db


def at_six(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(6)))


@pytest.fixture
def years(db):
    articles = [
        ArticleFactory(title="蒸湘区新闻一", published_at=at_six(datetime.date(2019, 3, 5))),
        ArticleFactory(title="蒸湘区新闻二", published_at=at_six(datetime.date(2019, 7, 1))),
        ArticleFactory(title="蒸湘区新闻三", published_at=at_six(datetime.date(2021, 1, 9))),
    ]
    index_articles([a.pk for a in articles])
    return articles


def test_the_year_bars_carry_their_values_without_inline_styles(client, years):
    response = client.get("/search/", {"q": "蒸湘"})
    html = response.content.decode()
    # The site's CSP (style-src 'self') blocks every style attribute: none may be relied on.
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert not re.search(r"\sstyle\s*=", html)
    histogram = html[html.index('class="year-histogram"') :]
    histogram = histogram[: histogram.index("</ul>")]
    bars = re.findall(r"<meter[^>]*>", histogram)
    assert len(bars) == 2
    values = [(re.search(r'value="(\d+)"', b)[1], re.search(r'max="(\d+)"', b)[1]) for b in bars]
    assert values == [("2", "2"), ("1", "2")]  # 2019: two, 2021: one, of at most two
    assert "2019年" in histogram and "2021年" in histogram


def test_each_result_says_its_date_once_unpadded(client, db):
    issue = IssueFactory(date=datetime.date(2019, 3, 5), number=8888)
    in_print = ArticleFactory(
        title="珠晖区见报稿", page=PageFactory(issue=issue, number="A02"), published_at=at_six(issue.date)
    )
    web_only = ArticleFactory(title="珠晖区网络稿", published_at=at_six(datetime.date(2019, 3, 6)))
    earlier_online = ArticleFactory(
        title="珠晖区先网后报",
        page=PageFactory(issue=issue, number="A03"),
        published_at=at_six(datetime.date(2019, 3, 4)),
    )
    index_articles([in_print.pk, web_only.pk, earlier_online.pk])
    html = client.get("/search/", {"q": "珠晖区", "sort": "-date"}).content.decode()
    metas = re.findall(r'<p class="meta">(.*?)</p>', html, re.S)
    texts = [re.sub(r"<[^>]+>", "", m) for m in metas]
    assert len(texts) == 3
    web, printed, earlier = texts  # newest first: 3月6日, 3月5日 06:00, then 3月4日
    assert printed.count("2019年3月5日") == 1 and "第8888期" in printed and "第A02版" in printed
    assert web.count("2019年3月6日") == 1 and "网络稿" in web
    # Put online a day before the paper printed it: both days, each once.
    assert earlier.count("2019年3月5日") == 1 and earlier.count("2019年3月4日") == 1
    assert "2019年03月" not in html


def test_a_search_that_only_excludes_says_so(client, years):
    html = client.get("/search/", {"q": "-衡阳"}).content.decode()
    assert "包含“-衡阳”" not in html
    assert "不含“衡阳”的报道" in html
    both = client.get("/search/", {"q": "蒸湘 -新闻三 -衡阳"}).content.decode()
    assert "包含“蒸湘”、不含“新闻三”、“衡阳”的报道" in both
    only = client.get("/search/", {"q": "蒸湘"}).content.decode()
    assert "共 3 篇包含“蒸湘”的报道" in only


def test_the_empty_search_page_lists_only_issues_a_reader_can_open(client, db):
    readable = IssueFactory(date=datetime.date(2019, 3, 5), number=7001)
    ArticleFactory(page=PageFactory(issue=readable), published_at=at_six(readable.date))
    drafts_only = IssueFactory(date=datetime.date(2019, 3, 6), number=7002)
    ArticleFactory(page=PageFactory(issue=drafts_only), status=Article.Status.DRAFT, published_at=None)
    empty = IssueFactory(date=datetime.date(2019, 3, 7), number=7003)
    html = client.get("/search/").content.decode()
    assert readable.get_absolute_url() in html and "2019年3月5日（第7001期）" in html
    assert drafts_only.get_absolute_url() not in html and "7002" not in html
    assert empty.get_absolute_url() not in html
    assert client.get(drafts_only.get_absolute_url()).status_code == 404
