"""Dates that could never be read back are refused wherever they come in (issue #12, B).

The rule: every date from outside — import files (``--date``, a record's ``published_at`` and
``issue_date``), admin forms (an issue's date, a scheduled time, the import page's date) and the
admin lists' URL filters — falls between the first issue (1949-01-01) and five years from today
(articles.models.plausible_dates; ARTICLE_EARLIEST_DATE and ARTICLE_LATEST_YEARS_AHEAD), or is
refused with a Chinese message naming the field before anything is written or queried.
"""

import datetime
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Issue
from articles.workflow import services
from tests.commands import run
from tests.factories import ArticleFactory, PageFactory
from tests.workflow.conftest import make_user

FIXTURES = Path(__file__).parent / "fixtures"


def record(**fields) -> str:
    base = {"title": "日期有问题的稿件", "lead": ["一段。"], "status": "published"}
    return json.dumps({**base, **fields}, ensure_ascii=False)


# --- the range ------------------------------------------------------------------------------------


def test_the_range_runs_from_the_first_issue_to_five_years_ahead(settings):
    from articles.models import implausible_date, plausible_dates

    earliest, latest = plausible_dates()
    today = timezone.localdate()
    assert earliest == datetime.date(1949, 1, 1) and latest.year == today.year + 5
    assert implausible_date(datetime.date(1949, 1, 1), "出版日期") is None
    assert implausible_date(latest, "出版日期") is None
    assert "1948-12-31 不在合理范围内" in implausible_date(datetime.date(1948, 12, 31), "出版日期")
    assert implausible_date(latest + datetime.timedelta(days=1), "出版日期").startswith("出版日期 ")
    shanghai = ZoneInfo("Asia/Shanghai")
    # Year 1 and 9999 with an offset cannot even be converted to UTC.
    assert "超出可用范围" in implausible_date(datetime.datetime(1, 1, 1, 6, tzinfo=shanghai), "发布时间")
    minus8 = datetime.timezone(datetime.timedelta(hours=-8))
    assert "超出可用范围" in implausible_date(datetime.datetime(9999, 12, 31, 23, tzinfo=minus8), "发布时间")
    settings.ARTICLE_EARLIEST_DATE, settings.ARTICLE_LATEST_YEARS_AHEAD = "1900-01-01", 1
    assert implausible_date(datetime.date(1920, 5, 1), "出版日期") is None
    assert implausible_date(datetime.date(today.year + 2, 1, 1), "出版日期") is not None


# --- imports ----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"published_at": "0001-01-01T00:00:00+08:00"}, "“published_at”超出可用范围"),
        ({"published_at": "9999-12-31T23:59:59-08:00"}, "“published_at”超出可用范围"),
        ({"published_at": "0001-01-02T00:00:00+00:00"}, "发布时间（published_at） 0001-01-02 不在合理范围内"),
        ({"published_at": "9999-01-01T00:00:00+08:00"}, "发布时间（published_at） 9999-01-01 不在合理范围内"),
        ({"issue_date": "0001-01-01", "issue_number": 1}, "出版日期（issue_date / --date） 0001-01-01 不在合理范围内"),
        ({"issue_date": "9999-12-31", "status": "draft"}, "出版日期（issue_date / --date） 9999-12-31 不在合理范围内"),
    ],
)
def test_a_record_with_an_impossible_date_is_refused_and_writes_nothing(tmp_path, fields, reason):
    """Failed before the fix: the record was written, and every page listing it answered 500."""
    path = tmp_path / "bad.jsonl"
    path.write_text(record(title="好稿", status="draft") + "\n" + record(**fields) + "\n", encoding="utf-8")
    code, _, err = run("import_articles", str(path))
    assert code == 1
    assert f"{path}:2: {reason}" in err
    assert Article.objects.count() == 0 and Issue.objects.count() == 0
    admin = make_user("chief", "总编辑")
    admin.is_superuser = True
    admin.save()
    from django.test import Client

    client = Client()
    client.force_login(admin)
    assert client.get(reverse("admin:articles_article_changelist")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1900-06-01"])
def test_the_date_option_is_checked_before_any_file_is_read(day):
    with pytest.raises(CommandError, match="--date 出版日期"):
        call_command("import_articles", str(FIXTURES / "no_credit.txt"), "--date", day, "--status", "published")
    assert Article.objects.count() == 0 and Issue.objects.count() == 0


@pytest.mark.django_db
def test_the_export_since_date_is_checked_too():
    with pytest.raises(CommandError, match="--since 日期 0001-01-01 不在合理范围内"):
        call_command("export_articles", "--since", "0001-01-01", stdout=io.StringIO())


# --- admin forms ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_issue_date_typed_in_the_admin_is_checked(admin_client):
    """Failed before the fix: an issue dated 0001-01-01 was saved."""
    url = reverse("admin:articles_issue_add")
    data = {"date": "0001-01-01", "number": "", "pages-TOTAL_FORMS": "0", "pages-INITIAL_FORMS": "0"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "出版日期 0001-01-01 不在合理范围内" in response.content.decode()
    assert not Issue.objects.exists()
    assert admin_client.post(url, {**data, "date": "2019-01-08"}).status_code == 302


@pytest.mark.django_db
def test_a_scheduled_time_far_in_the_future_is_refused(users_in_roles):
    """Failed before the fix: 9999-12-31 23:59 was accepted as a publication time."""
    client, article = users_in_roles
    url = reverse("admin:articles_article_transition", args=[article.pk, "schedule"])
    response = client.post(url, {"expected_version": article.version, "publish_at": "9999-12-31T23:59"})
    assert response.status_code == 400
    assert "发布时间 9999-12-31 不在合理范围内" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == Article.Status.REVIEW
    # The service refuses it too, whoever calls it.
    with pytest.raises(services.TransitionRefused, match="不在合理范围内"):
        services.article_schedule(
            article=article,
            user=client.user,
            publish_at=datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC),
        )


@pytest.fixture
def users_in_roles(db, client):
    from tests.workflow.conftest import draft_by

    reporter, editor, head, chief = (
        make_user("r", "记者"),
        make_user("e", "编辑"),
        make_user("h", "部门主任"),
        make_user("c", "总编辑"),
    )
    article = draft_by(reporter)
    services.article_submit(article=article, user=reporter)
    for who in (editor, head, chief):
        services.article_pass_review(article=article, user=who)
    article.refresh_from_db()
    client.force_login(chief)
    client.user = chief
    return client, article


@pytest.mark.django_db
def test_the_import_pages_date_is_checked(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = admin_client.post(
        "/admin/articles/article/import/",
        {
            "files": [SimpleUploadedFile("a.txt", "# 标题\n\n正文。\n".encode())],
            "encoding": "utf-8",
            "issue_date": "0001-01-01",
        },
    )
    assert response.status_code == 200 and "出版日期 0001-01-01 不在合理范围内" in response.content.decode()


# --- admin list filters in the URL -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "query"),
    [
        ("admin:articles_article_changelist", "published_at__year=9999"),
        ("admin:articles_article_changelist", "published_at__year=1"),
        ("admin:articles_article_changelist", "published_at__year=0"),
        ("admin:articles_article_changelist", "published_at__year=99999999999999999999"),
        ("admin:articles_article_changelist", "published_at__year=9999&published_at__month=12&published_at__day=31"),
        ("admin:articles_article_changelist", "published_at__year=2019&published_at__month=13"),
        ("admin:articles_article_changelist", "published_at__year=2019&published_at__month=abc"),
        ("admin:articles_article_changelist", "published_at__gte=0001-01-01+00:00:00"),
        ("admin:articles_article_changelist", "published_at__lt=9999-12-31+23:59:59%2B00:00"),
        ("admin:articles_article_changelist", "page__issue__date__gte=0001-01-01&page__issue__date__lt=9999-12-31"),
        ("admin:articles_article_changelist", "page__issue__date__gte=not-a-date"),
        ("admin:articles_issue_changelist", "date__year=9999"),
        ("admin:articles_issue_changelist", "date__year=1&date__month=1&date__day=1"),
        ("admin:articles_page_changelist", "issue__date__gte=0001-01-01"),
    ],
)
def test_impossible_dates_in_a_list_url_never_answer_500(admin_client, url_name, query):
    """Failed before the fix: ValueError (year 10000) or OverflowError (year 1) — a 500."""
    ArticleFactory(page=PageFactory())
    response = admin_client.get(f"{reverse(url_name)}?{query}", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [] or response.redirect_chain[-1][0].endswith("?e=1")


@pytest.mark.django_db
def test_a_plausible_drill_down_still_filters(admin_client):
    ArticleFactory(
        title="二〇一九年的稿件", published_at=datetime.datetime(2019, 1, 8, 6, tzinfo=ZoneInfo("Asia/Shanghai"))
    )
    ArticleFactory(title="今年的稿件")
    url = reverse("admin:articles_article_changelist")
    response = admin_client.get(url, {"published_at__year": "2019", "published_at__month": "1"})
    body = response.content.decode()
    assert response.status_code == 200 and "二〇一九年的稿件" in body and "今年的稿件" not in body
