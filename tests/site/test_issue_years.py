"""The issue calendar's years: those with an issue a reader may open, newest first, whether the
years are tested one by one (PostgreSQL) or read from the issues (SQLite)."""

import datetime

import pytest
from django.utils import timezone

from articles.models import Article
from articles.selectors import issue_years
from tests.factories import ArticleFactory, IssueFactory, PageFactory

pytestmark = pytest.mark.django_db


def article_in(day: datetime.date, **kwargs):
    return ArticleFactory(page=PageFactory(issue=IssueFactory(date=day)), **kwargs)


def test_no_issue_no_year():
    assert issue_years() == []


def test_years_with_an_issue_a_reader_may_open_newest_first():
    article_in(datetime.date(2019, 3, 5))
    article_in(datetime.date(2019, 7, 1))
    article_in(datetime.date(1998, 1, 2))
    article_in(datetime.date(2015, 6, 1), status=Article.Status.DRAFT, published_at=None)
    article_in(datetime.date(2016, 6, 1), published_at=timezone.now() + datetime.timedelta(days=2))
    assert issue_years() == [2019, 1998]


def test_years_far_apart():
    article_in(datetime.date(2019, 3, 5))
    article_in(datetime.date(1, 5, 1))
    article_in(datetime.date(9999, 1, 1), status=Article.Status.DRAFT, published_at=None)
    assert issue_years() == [2019, 1]
