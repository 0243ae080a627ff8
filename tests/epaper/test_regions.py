"""Regions files: the documented JSON format, each bad entry named, nothing saved on error."""

import json

import pytest
from django.core.exceptions import ValidationError

from articles.epaper.regions import import_regions, parse_entries, read_regions_file, replace_regions
from articles.models import PageRegion, polygon_problem
from tests.factories import ArticleFactory, PageFactory

pytestmark = pytest.mark.django_db

SQUARE = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.4], [0.1, 0.4]]


def test_entries_name_articles_by_id_or_import_key_and_pages_of_the_issue():
    page = PageFactory(number="A04")
    other = PageFactory(issue=page.issue, number="A05")
    first = ArticleFactory(import_key="k" * 64)
    second = ArticleFactory()
    data = json.dumps(
        [
            {"article": "k" * 64, "polygon": SQUARE},
            {"article": second.pk, "polygon": SQUARE},
            {"article": str(second.pk), "page": "a05", "polygon": [[0, 0], [1, 0], [1, 0.2]]},
        ]
    ).encode()
    counts = import_regions(page, read_regions_file(data))
    assert counts == {page.pk: 2, other.pk: 1}
    assert list(page.regions.values_list("article_id", "position")) == [(first.pk, 0), (second.pk, 1)]
    assert other.regions.get().polygon == [[0, 0], [1, 0], [1, 0.2]]


BAD = [
    ({"article": 999999, "polygon": SQUARE}, "第 2 个区域：找不到稿件 999999"),
    ({"article": "nokey", "polygon": SQUARE}, "找不到稿件"),
    ({"article": "OK", "polygon": [[0.1, 0.1], [0.2, 0.2]]}, "第 2 个区域：区域至少需要 3 个顶点"),
    ({"article": "OK", "polygon": [[0.1, 0.1], [1.2, 0.1], [0.5, 0.5]]}, "超出版面"),
    ({"article": "OK", "polygon": [[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]]}, "面积为零"),
    ({"article": "OK", "polygon": [[0.1, "x"], [0.2, 0.2], [0.3, 0.1]]}, "两个数"),
    ({"article": "OK", "polygon": [[i / 100, (i % 2) / 10] for i in range(65)]}, "最多 64"),
    ({"article": "OK", "polygon": SQUARE, "page": "第五版"}, "版次"),
    ({"article": "OK", "polygon": SQUARE, "colour": "red"}, "未知的键"),
    ({"polygon": SQUARE}, "缺少“article”"),
    ("not an object", "应为对象"),
]


@pytest.mark.parametrize(("entry", "words"), BAD)
def test_a_bad_entry_is_named_and_nothing_is_saved(entry, words):
    page = PageFactory()
    article = ArticleFactory()
    replace_regions(page.pk, [(article.pk, SQUARE)])
    before = list(PageRegion.objects.values_list("pk", "polygon"))
    if isinstance(entry, dict) and entry.get("article") == "OK":
        entry = {**entry, "article": article.pk}
    data = json.dumps([{"article": article.pk, "polygon": SQUARE}, entry]).encode()
    with pytest.raises(ValidationError) as caught:
        import_regions(page, read_regions_file(data))
    assert words in caught.value.messages[0]
    assert list(PageRegion.objects.values_list("pk", "polygon")) == before


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"{", "不是有效的 JSON"),
        (b'{"article": 1}', "JSON 数组"),
        (b"[]", "空的"),
        ("[".encode("utf-16"), "UTF-8"),
        (b"[" * 100000, "JSON"),
    ],
)
def test_files_that_are_not_a_regions_list(data, words):
    with pytest.raises(ValidationError) as caught:
        read_regions_file(data)
    assert words in caught.value.messages[0]


def test_a_page_the_issue_lacks_fails_the_whole_file():
    page = PageFactory(number="A01")
    article = ArticleFactory()
    entries = parse_entries(
        [{"article": article.pk, "polygon": SQUARE}, {"article": article.pk, "page": "A09", "polygon": SQUARE}]
    )
    with pytest.raises(ValidationError, match="没有第A09版"):
        import_regions(page, entries)
    assert not PageRegion.objects.exists()


def test_replacing_regions_raises_the_pages_updated_at():
    page = PageFactory()
    article = ArticleFactory()
    before = page.updated_at
    replace_regions(page.pk, [(article.pk, SQUARE)])
    page.refresh_from_db()
    assert page.updated_at > before


def test_only_articles_given_may_be_named():
    hidden = ArticleFactory(status="draft", published_at=None)
    from articles.models import Article

    with pytest.raises(ValidationError, match="找不到稿件"):
        parse_entries([{"article": hidden.pk, "polygon": SQUARE}], Article.objects.visible())


def test_polygon_rules_match_the_model():
    assert polygon_problem(SQUARE) is None
    region = PageRegion(polygon=[[0, 0], [1, 1]])
    with pytest.raises(ValidationError):
        region.clean()
