"""The article list is readable at 1280 px (issue #13, item 7): the title column is not squeezed
to a few characters a line, nothing is cut off, and status and review progress are one column."""

import datetime

import pytest
from django.utils import timezone

from articles.models import Article
from tests.browser.conftest import log_in
from tests.factories import ArticleFactory, PageFactory
from tests.workflow.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "衡阳日报-采编-2024-口令"
LONG_TITLE = "八大千亿产业领航衡阳“换道超车”——市人大代表、市政协委员热议产业集群建设"


@pytest.fixture
def archive(db):
    page = PageFactory(issue__date=datetime.date(2019, 1, 8), number="A04", name="两会特刊")
    for n in range(6):
        ArticleFactory(
            title=f"{LONG_TITLE}（{n}）",
            status=[Article.Status.PUBLISHED, Article.Status.REVIEW, Article.Status.DRAFT][n % 3],
            published_at=timezone.now() if n % 3 == 0 else None,
            page=page,
        )
    return make_user("chief", "总编辑", password=PASSWORD)


def test_the_article_list_fits_1280_pixels_with_a_readable_title(live_server, page, archive):
    log_in(page, live_server.url, "chief", PASSWORD, next_url="/admin/articles/article/")
    assert page.viewport_size["width"] == 1280

    headers = page.eval_on_selector_all("#result_list thead th", "ths => ths.map(th => th.innerText.trim())")
    assert "审核进度" not in headers and headers.count("状态") == 1, headers

    measures = page.evaluate(
        """() => {
            const cell = document.querySelector('#result_list tbody th.field-title, #result_list tbody td.field-title');
            const em = parseFloat(getComputedStyle(cell).fontSize);
            const box = document.querySelector('.results');
            const table = document.querySelector('#result_list');
            return {
                titleEm: cell.getBoundingClientRect().width / em,
                boxScroll: box.scrollWidth, boxClient: box.clientWidth,
                tableRight: table.getBoundingClientRect().right,
                viewport: document.documentElement.clientWidth,
                pageScroll: document.documentElement.scrollWidth,
            };
        }"""
    )
    assert measures["titleEm"] >= 14, measures
    assert measures["boxScroll"] <= measures["boxClient"], measures
    assert measures["tableRight"] <= measures["viewport"], measures
    assert measures["pageScroll"] <= measures["viewport"], measures
    assert page.console_errors == []
