"""A reader's journey through the public site in a real Chromium, with JavaScript off and on."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.factories import MilestoneFactory, ProjectFactory, cluster
from tests.site.conftest import (
    SEED_DAY,
    SEED_TITLE,
    add_section,
    build_seed_article,
    ensure_clusters,
    published_on,
)

# serialized_rollback: the eight clusters come from a data migration and must survive the flush.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEXT_DAY = SEED_DAY + datetime.timedelta(days=1)
PAST_DAY = datetime.date(2018, 12, 26)


@pytest.fixture
def paper():
    """The seed page on 2019-01-08, a front page the day after, and an issue from December 2018."""
    ensure_clusters()
    seed_article = build_seed_article()
    front = published_on(
        NEXT_DAY,
        title="衡阳市胶轮有轨电车示范线加快建设",
        kicker="轨道交通产业集群",
        clusters=[cluster("rail-transit")],
    )
    add_section(front, 1, "示范线带动产业链", "市人大代表", "夏君山")
    past = published_on(PAST_DAY, title="中国五矿30万吨锌项目正式投产", clusters=[cluster("nonferrous")])
    project = ProjectFactory(name="比亚迪轨道交通智能制造产业园", cluster=cluster("rail-transit"))
    MilestoneFactory(
        date=PAST_DAY,
        text="胶轮有轨电车示范线工程启动",
        project=project,
        source_article=seed_article,
    )
    return {"seed": seed_article, "front": front, "past": past}


def test_reader_journey_with_javascript_off(live_server, new_page, screenshots, paper):
    page = new_page(java_script_enabled=False)

    # Home: the masthead, the latest issue, the eight clusters.
    page.goto(live_server.url + "/")
    expect(page.locator(".masthead-name")).to_have_text("衡阳日报")
    expect(page.locator("#today-heading")).to_contain_text("2019年1月9日")
    expect(page.locator(".today")).to_contain_text("衡阳市胶轮有轨电车示范线加快建设")
    expect(page.locator(".cluster-grid .cluster-card")).to_have_count(8)
    for label in ["今日", "往期", "产业集群", "代表委员"]:
        expect(page.locator(".site-nav").get_by_role("link", name=label, exact=True)).to_be_visible()
    page.screenshot(path=screenshots / "home.png", full_page=True)

    # A cluster: its latest coverage and its timeline backed by the article.
    page.locator(".cluster-grid").get_by_role("link", name="轨道交通", exact=True).click()
    expect(page).to_have_url(live_server.url + "/clusters/rail-transit/")
    expect(page.locator("h1")).to_have_text("轨道交通")
    expect(page.locator(".cluster-articles")).to_contain_text(SEED_TITLE)
    expect(page.locator(".timeline")).to_contain_text("2018年12月26日")

    # The article, as printed.
    page.locator(".cluster-articles").get_by_role("link", name=SEED_TITLE).click()
    expect(page).to_have_url(re.compile(rf"/articles/{paper['seed'].pk}/$"))
    expect(page.locator("h1")).to_have_text(SEED_TITLE)
    expect(page.locator(".credit-line")).to_have_text(
        "统筹/本报记者 罗文鹏 整理/本报记者 姚永军 罗文鹏 许珂 金明达 摄影/黄沐 陈太仰 王翟"
    )
    expect(page.locator(".print-line")).to_have_text("刊于《衡阳日报》2019年1月8日 第A04版 两会特刊")
    expect(page.locator(".article-section")).to_have_count(4)
    expect(page.locator(".article-section h3.subheading").first).to_have_text("走绿色发展之路")
    expect(page.locator("#citation-text")).to_have_value(
        re.compile(rf"{re.escape(SEED_TITLE)}\[N\]\. 衡阳日报, 2019-01-08\(A04\)")
    )
    expect(page.locator(".copy-button")).to_have_count(0)  # no JavaScript, no button: the text box is enough
    page.screenshot(path=screenshots / "article.png", full_page=True)

    # Its first commentator, with the title held then.
    page.locator(".article-section .commentator a", has_text="夏君山").click()
    expect(page.locator("h1")).to_have_text("夏君山")
    expect(page.locator(".voice")).to_have_count(2)
    expect(page.locator(".voice").first).to_contain_text("示范线带动产业链")  # newest first
    expect(page.locator(".voice").last).to_contain_text("时任市人大代表")

    # The calendar of past issues, then a day in it.
    page.get_by_role("link", name="往期", exact=True).click()
    expect(page.locator(".calendar caption").first).to_contain_text("2019年1月")
    page.get_by_role("link", name="8", exact=True).click()
    expect(page).to_have_url(live_server.url + "/issues/2019-01-08/")
    expect(page.locator("h1")).to_contain_text("2019年1月8日")
    expect(page.locator(".issue-page .page-label")).to_have_text("第A04版 两会特刊")

    # Back through the calendar to an issue of the year before.
    page.get_by_role("link", name="2019年日历").click()
    page.get_by_role("link", name="2018年").click()
    page.get_by_role("link", name="26", exact=True).click()
    expect(page).to_have_url(live_server.url + "/issues/2018-12-26/")
    expect(page.locator("main")).to_contain_text("中国五矿30万吨锌项目正式投产")
    assert not page.console_errors


def test_search_box_sends_the_query_to_search(live_server, page, paper):
    page.goto(live_server.url + "/")
    form = page.locator("form.site-search")
    assert form.get_attribute("action") == "/search/"
    assert form.locator("input").get_attribute("name") == "q"


def test_citation_can_be_copied_with_javascript_on(live_server, new_page, paper):
    page = new_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server.url + paper["seed"].get_absolute_url())
    page.locator(".copy-button").click()
    expect(page.locator(".copy-button")).to_have_text("已复制")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#citation-text").input_value()
    assert not page.console_errors, page.console_errors


@pytest.mark.parametrize("which", ["seed", "home", "issues", "cluster"])
def test_no_horizontal_scroll_on_a_375_pixel_phone(live_server, phone_page, screenshots, paper, which):
    path = {
        "seed": paper["seed"].get_absolute_url(),
        "home": "/",
        "issues": "/issues/",
        "cluster": "/clusters/rail-transit/",
    }[which]
    phone_page.goto(live_server.url + path)
    widths = phone_page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[1] == 375
    assert widths[0] <= widths[1], f"{path} is {widths[0]} pixels wide on a 375-pixel screen"
    if which == "seed":
        phone_page.screenshot(path=screenshots / "article-375.png", full_page=True)


def test_withdrawn_article_shows_the_notice(live_server, page, paper):
    article = paper["seed"]
    article.status = "withdrawn"
    article.withdrawn_reason = "数据有误，核实后重发。"
    article.save()
    response = page.goto(live_server.url + article.get_absolute_url())
    assert response.status == 410
    expect(page.locator("h1")).to_have_text("稿件已撤回")
    expect(page.locator(".withdrawn-reason")).to_contain_text("数据有误，核实后重发。")
    expect(page.locator("main")).not_to_contain_text(SEED_TITLE)


def test_print_stylesheet_keeps_the_article_and_drops_the_navigation(live_server, page, paper):
    page.goto(live_server.url + paper["seed"].get_absolute_url())
    page.emulate_media(media="print")
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(page.locator("h1")).to_be_visible()
