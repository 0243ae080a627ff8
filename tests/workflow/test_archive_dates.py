"""An archive piece keeps its date through the workflow (issue #13, item 1).

An article imported with ``--date 2019-01-07`` lands as a draft; taken through 三审 and 立即发布 it
is published at that issue's time (06:00 Asia/Shanghai), unless the editor-in-chief chooses
another time on the confirm page, which says which date will be used. The sitemap's lastmod and
the JSON-LD dateModified follow the last change to the text, never the import or a workflow step.
"""

import datetime
import io
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.importing.importer import publication_time
from articles.models import Article
from articles.workflow import policy, services
from tests.factories import PageFactory
from tests.site.conftest import sitemap_entries
from tests.workflow.conftest import draft_by

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEED = Path(settings.BASE_DIR).parent / "shared" / "seed" / "000_581a6fd3e0f6c134.txt"
ISSUE_DAY = datetime.date(2019, 1, 7)
ISSUE_TIME = datetime.datetime(2019, 1, 7, 6, 0, tzinfo=SHANGHAI)

pytestmark = pytest.mark.django_db


def import_as_draft() -> Article:
    call_command(
        "import_articles",
        str(SEED),
        "--date",
        ISSUE_DAY.isoformat(),
        "--page",
        "A04",
        "--status",
        "draft",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    return Article.objects.get()


def through_review(article, users) -> Article:
    services.article_submit(article=article, user=users["editor"])
    services.article_pass_review(article=article, user=users["editor"])
    services.article_pass_review(article=article, user=users["head"])
    services.article_pass_review(article=article, user=users["chief"])
    return article


def json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_the_issue_rule_is_the_importers():
    assert policy.ISSUE_PUBLICATION_TIME == publication_time(ISSUE_DAY).time()
    assert publication_time(ISSUE_DAY) == ISSUE_TIME
    page = PageFactory(issue__date=ISSUE_DAY)
    article = Article(page=page)
    assert policy.issue_publication_time(article) == ISSUE_TIME


def test_an_imported_draft_of_a_past_issue_is_published_at_the_issue_date(users, as_user, client):
    article = through_review(import_as_draft(), users)
    chief = as_user("chief")
    url = reverse("admin:articles_article_transition", args=[article.pk, "publish"])

    page = chief.get(url)
    assert page.status_code == 200
    assert "将以该期出版日期 2019年1月7日 06:00 发布" in page.content.decode()
    assert "另定发布时间" in page.content.decode()

    article.refresh_from_db()
    response = chief.post(url, {"expected_version": article.version, "note": ""})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == ISSUE_TIME

    # The reader's page says 2019, once, and its structured data too.
    html = client.get(article.get_absolute_url()).content.decode()
    assert str(timezone.localdate().year) + "年" not in re.sub(r"<script.*?</script>", "", html, flags=re.S)
    data = json_ld(html)
    assert data["datePublished"].startswith("2019-01-07T06:00")
    assert data["dateModified"].startswith("2019-01-07T06:00")
    # The sitemap does not present it as fresh news.
    assert sitemap_entries(client)[article.get_absolute_url()].startswith("2019-01-07")
    # The trail says which time was used.
    assert "2019-01-07 06:00" in article.review_events.get(action="publish").note


def test_the_chief_may_choose_another_time(users, as_user):
    article = through_review(import_as_draft(), users)
    chief = as_user("chief")
    url = reverse("admin:articles_article_transition", args=[article.pk, "publish"])
    article.refresh_from_db()
    response = chief.post(url, {"expected_version": article.version, "note": "", "publish_at": "2019-01-08T09:30"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.published_at == datetime.datetime(2019, 1, 8, 9, 30, tzinfo=SHANGHAI)


def test_a_future_time_is_a_schedule_not_a_publication(users, as_user):
    article = through_review(import_as_draft(), users)
    chief = as_user("chief")
    url = reverse("admin:articles_article_transition", args=[article.pk, "publish"])
    article.refresh_from_db()
    later = timezone.localtime(timezone.now() + datetime.timedelta(days=2))
    response = chief.post(
        url, {"expected_version": article.version, "note": "", "publish_at": later.strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 400
    assert "定时发布" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW


def test_a_web_only_piece_or_a_future_issue_is_published_now(users):
    now = timezone.now()
    web = through_review(draft_by(users["reporter"]), users)
    services.article_publish(article=web, user=users["chief"], now=now)
    assert web.published_at == now
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)
    printed = through_review(draft_by(users["reporter"], page=PageFactory(issue__date=tomorrow)), users)
    services.article_publish(article=printed, user=users["chief"], now=now)
    assert printed.published_at == now


def test_an_import_of_a_past_issue_dates_its_content_by_the_issue():
    article = import_as_draft()
    assert article.content_changed_at == ISSUE_TIME


def test_workflow_steps_are_not_content_changes_but_edits_are(users, as_user, client):
    article = through_review(import_as_draft(), users)
    services.article_publish(article=article, user=users["chief"])
    services.article_withdraw(article=article, user=users["chief"], reason="核实")
    services.article_restore_to_draft(article=article, user=users["chief"])
    article.refresh_from_db()
    assert article.content_changed_at == ISSUE_TIME
    # A change of the text (here through a photo's part service) moves it.
    before = timezone.now()
    services.article_parts_changed(article_id=article.pk, user=users["chief"], comment="修改图片")
    article.refresh_from_db()
    assert article.content_changed_at >= before
    through_review(article, users)
    services.article_publish(article=article, user=users["chief"])
    article.refresh_from_db()
    assert article.published_at == ISSUE_TIME
    data = json_ld(client.get(article.get_absolute_url()).content.decode())
    assert data["datePublished"].startswith("2019-01-07")
    assert not data["dateModified"].startswith("2019")
