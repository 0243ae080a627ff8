"""A newsroom day in a real browser: write, return, fix, three reviews by three people, schedule
(time moved by the test, not waited for), read, withdraw — and two editors saving the same
article. No page, public or admin, may log a console error (CSP violations included)."""

import datetime

import pytest
from django.utils import timezone

from articles.models import Article
from tests.browser.conftest import log_in
from tests.factories import CommentatorFactory
from tests.workflow.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "衡阳日报-采编-2024-口令"


@pytest.fixture
def staff(db):
    return {
        "reporter": make_user("reporter", "记者", last_name="李记者", password=PASSWORD),
        "editor": make_user("editor", "编辑", last_name="张编辑", password=PASSWORD),
        "editor2": make_user("editor2", "编辑", last_name="赵编辑", password=PASSWORD),
        "head": make_user("head", "部门主任", last_name="刘主任", password=PASSWORD),
        "chief": make_user("chief", "总编辑", last_name="陈总编", password=PASSWORD),
    }


class Desk:
    """One person at their own browser (own cookies), logged into the admin."""

    def __init__(self, new_page, base_url, username):
        self.page = new_page()
        self.errors = console_errors(self.page)
        self.base = base_url
        log_in(self.page, base_url, username, PASSWORD)

    def open(self, article):
        self.page.goto(f"{self.base}/admin/articles/article/{article.pk}/change/")

    def transition(self, article, name, note=None, publish_at=None):
        self.open(article)
        self.page.click(f'a[data-transition="{name}"]')
        if note is not None:
            self.page.fill("#id_note", note)
        if publish_at is not None:
            self.page.fill("#id_publish_at", publish_at.strftime("%Y-%m-%dT%H:%M"))
        self.page.click("#transition-form input[type=submit]")
        self.page.wait_for_url(f"{self.base}/admin/articles/article/{article.pk}/change/")
        assert self.page.locator(".messagelist .success").count() == 1, self.page.content()[:3000]


def console_errors(page) -> list[tuple[str, str]]:
    """Console errors with the address they concern (a CSP violation names its page)."""
    errors = []
    page.on(
        "console",
        lambda m: m.type == "error" and errors.append((m.text, m.location.get("url", ""))),
    )
    page.on("pageerror", lambda error: errors.append((str(error), "")))
    return errors


def expected_failure(error, article_url) -> bool:
    text, url = error
    if not text.startswith("Failed to load resource"):
        return False
    # The article's own 404/410, and the icon browsers ask for on their own (the site has none).
    return url == article_url or url.endswith("/favicon.ico")


def choose_commentator(page, index, name):
    page.click(f"#sections-{index} .field-commentator .select2-selection")
    page.fill(".select2-container--open .select2-search__field", name)
    page.click(f".select2-results__option:has-text('{name}')")


def test_a_whole_day_in_the_newsroom(live_server, new_page, staff):
    CommentatorFactory(name="夏君山", title="市人大代表")
    CommentatorFactory(name="罗安宝", title="市政协委员")
    base = live_server.url
    desks = {name: Desk(new_page, base, name) for name in ("reporter", "editor", "head", "chief")}
    reporter = desks["reporter"].page

    # The reporter writes a draft with two sections, each with a commentator, and submits it.
    reporter.goto(f"{base}/admin/articles/article/add/")
    reporter.fill("#id_kicker", "两会特刊")
    reporter.fill("#id_title", "八大千亿产业领航衡阳")
    reporter.fill(
        "#id_lead",
        "市两会期间，代表委员热议八大千亿产业集群。\n\n记者采访了多位代表委员。",
    )
    for index, (heading, commentator) in enumerate([("产业航母带动发展", "夏君山"), ("八轮驱动明天更好", "罗安宝")]):
        reporter.click("#sections-group .add-row a")
        reporter.fill(f"#id_sections-{index}-position", str(index + 1))
        reporter.fill(f"#id_sections-{index}-heading", heading)
        choose_commentator(reporter, index, commentator)
        reporter.fill(
            f"#id_sections-{index}-body",
            f"{commentator}说，园区建设正在加速。\n\n项目投产带动就业。",
        )
    reporter.click("input[name=_continue]")
    reporter.wait_for_selector(".messagelist .success")
    article = Article.objects.get(title="八大千亿产业领航衡阳")
    assert article.created_by == staff["reporter"]
    assert list(article.sections.values_list("commentator__name", flat=True)) == [
        "夏君山",
        "罗安宝",
    ]
    desks["reporter"].transition(article, "submit")

    # The desk editor returns it with a note; the reporter sees the note, fixes and resubmits.
    desks["editor"].transition(article, "return", note="导语请补充时间和地点")
    desks["reporter"].open(article)
    assert "导语请补充时间和地点" in reporter.inner_text("#review-trail")
    reporter.fill("#id_lead", "1月7日，市两会期间，代表委员在衡阳热议八大千亿产业集群。")
    reporter.click("input[name=_continue]")
    reporter.wait_for_selector(".messagelist .success")
    desks["reporter"].transition(article, "submit")

    # Three levels, three people.
    desks["editor"].transition(article, "pass", note="事实已核")
    desks["head"].transition(article, "pass")
    desks["chief"].transition(article, "pass")
    article.refresh_from_db()
    assert article.review_level == 3
    chief = desks["chief"].page
    trail = chief.inner_text("#review-trail")
    for line in (
        "初审通过",
        "复审通过",
        "终审通过",
        "张编辑",
        "刘主任",
        "陈总编",
        "事实已核",
    ):
        assert line in trail

    # The chief previews, then schedules it two minutes ahead.
    preview = new_page()
    preview_errors = console_errors(preview)
    preview.context.add_cookies(desks["chief"].page.context.cookies())
    preview.goto(f"{base}/admin/articles/article/{article.pk}/preview/")
    assert "预览" in preview.content() and "八大千亿产业领航衡阳" in preview.content()
    desks["chief"].transition(
        article,
        "schedule",
        publish_at=timezone.localtime() + datetime.timedelta(minutes=2),
    )
    article.refresh_from_db()
    assert article.status == Article.Status.SCHEDULED

    # An anonymous reader sees nothing before the time …
    reader = new_page()
    reader_errors = console_errors(reader)
    response = reader.goto(f"{base}{article.get_absolute_url()}")
    assert response.status == 404
    assert "八大千亿产业领航衡阳" not in reader.content()
    # … the clock moves past it (by the test, not by waiting) …
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - datetime.timedelta(seconds=1))
    response = reader.goto(f"{base}{article.get_absolute_url()}")
    assert response.status == 200
    assert "八大千亿产业领航衡阳" in reader.content() and "罗安宝" in reader.content()

    # The chief withdraws it; the reader gets the 410 notice with the reason.
    desks["chief"].transition(article, "withdraw", note="经核实，文中一处数据有误，本文撤回。")
    # (A reader who just read it may keep it for the page's short public max-age; pressing reload
    # revalidates, which is what a reload does.)
    response = reader.reload()
    assert response.status == 410
    assert "经核实，文中一处数据有误，本文撤回。" in reader.content()
    assert "项目投产带动就业" not in reader.content()

    # The reader's 404 and 410 are the point of the test (Chromium logs each as a failed load);
    # anything else — a CSP violation, a script error, a missing file — fails it.
    article_url = f"{base}{article.get_absolute_url()}"
    errors = reader_errors + preview_errors + [e for desk in desks.values() for e in desk.errors]
    assert [e for e in errors if not expected_failure(e, article_url)] == []
    assert len([e for e in reader_errors if e[1] == article_url]) == 2


def test_two_editors_saving_the_same_article(live_server, new_page, staff):
    from articles.workflow import services
    from tests.workflow.conftest import draft_by

    article = draft_by(staff["reporter"], title="两人同时修改的稿件")
    services.article_submit(article=article, user=staff["reporter"])
    base = live_server.url
    first, second = Desk(new_page, base, "editor"), Desk(new_page, base, "editor2")
    first.open(article)
    second.open(article)

    first.page.fill("#id_title", "张编辑改的标题")
    first.page.click("input[name=_continue]")
    first.page.wait_for_selector(".messagelist .success")

    second.page.fill("#id_title", "赵编辑改的标题")
    second.page.fill("#id_lead", "赵编辑重写的导语。")
    second.page.click("input[name=_continue]")
    second.page.wait_for_selector(".errornote")
    message = second.page.inner_text(".errorlist.nonfield")
    assert "张编辑" in message and "保存失败" in message
    assert second.page.input_value("#id_title") == "赵编辑改的标题"
    assert second.page.input_value("#id_lead") == "赵编辑重写的导语。"
    assert Article.objects.get(pk=article.pk).title == "张编辑改的标题"

    # After merging by hand, the second save goes through.
    second.page.fill("#id_title", "合并后的标题")
    second.page.click("input[name=_continue]")
    second.page.wait_for_selector(".messagelist .success")
    assert Article.objects.get(pk=article.pk).title == "合并后的标题"
    assert first.errors + second.errors == []
