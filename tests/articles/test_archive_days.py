"""The synthetic archive's issue days: a million articles spread over every day since 1949, not
heaped into one last issue; an archive that fits after 2000 is the same as ever for its seed."""

import datetime
import io
import random

import pytest
from django.core.management import call_command

from articles.demo.archive import EARLIEST_DAY, FIRST_DAY, LAST_DAY, _issue_days
from articles.models import Article, Issue


def test_an_archive_that_fits_after_2000_keeps_its_days():
    days = _issue_days(9000, random.Random(42))
    assert len(days) == len(set(days)) == 9000
    assert FIRST_DAY <= days[0] and days[-1] <= LAST_DAY
    # The same draw as before the archive could reach back further.
    span = (LAST_DAY - FIRST_DAY).days + 1
    rng = random.Random(42)
    assert days == [FIRST_DAY + datetime.timedelta(days=d) for d in sorted(rng.sample(range(span), 9000))]


def test_a_larger_archive_reaches_back_towards_1949():
    days = _issue_days(20_000, random.Random(1))
    assert len(days) == len(set(days)) == 20_000
    assert days[0] < FIRST_DAY and days[-1] <= LAST_DAY
    # More issues than days since 1949: every day has one.
    every = _issue_days(45_455, random.Random(1))
    assert len(every) == (LAST_DAY - EARLIEST_DAY).days + 1
    assert every[0] == EARLIEST_DAY and every[-1] == LAST_DAY


@pytest.mark.django_db
def test_issues_stay_the_size_of_an_issue(monkeypatch):
    """When the days run out, issues grow evenly instead of the last one taking the rest."""
    import articles.demo.archive as archive

    monkeypatch.setattr(archive, "EARLIEST_DAY", datetime.date(2024, 12, 1))
    monkeypatch.setattr(archive, "FIRST_DAY", datetime.date(2024, 12, 20))
    call_command("generate_archive", "--articles", "1000", "--seed", "3", "--no-progress", stdout=io.StringIO())
    assert Issue.objects.count() == 31
    per_issue = [Article.objects.filter(page__issue=issue).count() for issue in Issue.objects.order_by("date")]
    assert max(per_issue) <= -(-1000 // 31)
    assert min(per_issue) >= 1000 // 31  # the last days too
    assert sum(per_issue) == 1000
