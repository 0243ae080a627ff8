"""The e-paper in a real Chromium: from a past issue to a page, from a region to its article, by
mouse and by keyboard only; the article list on a 375-pixel phone; the highlighted article of
#article-<id> with and without JavaScript; no console errors under the site's CSP; axe-core on
the issue page and the e-paper pages with a withdrawn article (the Nu HTML Checker reads the
e-paper's page types with every other, tests/browser/public_pages.py)."""

import re

import pytest
from playwright.sync_api import expect

from articles.models import Article
from tests.browser.test_accessibility import luminance, report, violations_on
from tests.epaper.public_sheets import BOTTOM, TOP_LEFT, TOP_RIGHT, add_region, give_image
from tests.factories import ArticleFactory
from tests.site.conftest import SEED_DAY, build_seed_article, ensure_clusters, make_page, morning

# serialized_rollback: the eight clusters come from a data migration and must survive the flush.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DAY = SEED_DAY.isoformat()
ISSUE = f"/issues/{DAY}/"
FRONT = f"/issues/{DAY}/A01/"
LEAD = "松木经开区项目集中开工"
SECOND = "水口山锌项目投产"


def contrast_of_colours(foreground: str, background: str) -> float:
    lighter, darker = sorted([luminance(foreground), luminance(background)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.fixture
def paper():
    """2019-01-08: A01 要闻 drawn with Pillow, two stories and a withdrawn one on it; A04 (the seed) without an image."""
    ensure_clusters()
    seed = build_seed_article()
    page = give_image(make_page(number="A01", name="要闻"), pdf=True)
    lead = ArticleFactory(title=LEAD, kicker="产业项目", page=page, position=1, published_at=morning(SEED_DAY))
    second = ArticleFactory(title=SECOND, page=page, position=2, published_at=morning(SEED_DAY))
    withdrawn = ArticleFactory(
        title="撤回的稿件标题", page=page, position=3, status=Article.Status.WITHDRAWN, published_at=morning(SEED_DAY)
    )
    add_region(page, lead, TOP_LEFT, 1)
    add_region(page, second, TOP_RIGHT, 2)
    add_region(page, withdrawn, BOTTOM, 3)
    add_region(page, lead, [[0.05, 0.5], [0.48, 0.5], [0.48, 0.54], [0.05, 0.54]], 4)  # the lead runs on
    return {"seed": seed, "lead": lead, "second": second, "withdrawn": withdrawn, "page": page}


def test_from_a_past_issue_to_a_page_to_an_article_by_mouse(live_server, page, screenshots, paper):
    page.goto(live_server.url + ISSUE)
    strip = page.locator(".page-strip")
    expect(strip.locator("li")).to_have_count(2)
    expect(strip.locator("li").nth(1)).to_contain_text("暂无版面图")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=strip.locator("img").element_handle())
    page.screenshot(path=screenshots / "epaper-issue.png", full_page=True)
    strip.get_by_role("link", name=re.compile("第A01版 要闻")).click()
    expect(page).to_have_url(live_server.url + FRONT)

    sheet = page.locator(".epaper-sheet img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=sheet.element_handle())
    current = sheet.evaluate("img => img.currentSrc")
    assert "/renditions/" in current and current.endswith(".webp"), current
    # The regions' layer lies exactly over the image.
    image_box, layer_box = sheet.bounding_box(), page.locator(".epaper-regions").bounding_box()
    assert all(abs(image_box[k] - layer_box[k]) < 1 for k in ("x", "y", "width", "height"))
    region = page.get_by_role("link", name=SECOND, exact=True).first
    polygon = page.locator(f'.region[data-article="{paper["second"].pk}"] polygon')
    assert polygon.evaluate("p => getComputedStyle(p).stroke") in ("none", "rgba(0, 0, 0, 0)")
    polygon.hover()
    assert polygon.evaluate("p => getComputedStyle(p).stroke") == "rgb(179, 18, 27)"  # outlined on hover
    page.screenshot(path=screenshots / "epaper-page.png", full_page=True)
    region.click()
    expect(page).to_have_url(live_server.url + paper["second"].get_absolute_url())
    expect(page.locator("h1")).to_have_text(SECOND)
    assert page.console_errors == []


def test_the_withdrawn_region_is_greyed_and_leads_to_its_notice(live_server, page, paper):
    page.goto(live_server.url + FRONT)
    withdrawn = page.locator(".region-withdrawn")
    expect(withdrawn).to_have_count(1)
    assert "撤回的稿件标题" not in page.content()
    label, back = page.locator(".region-label"), page.locator(".region-label-back")
    text_colour = label.evaluate("t => getComputedStyle(t).fill")
    back_colour = back.evaluate("r => getComputedStyle(r).fill")
    assert contrast_of_colours(text_colour, back_colour) >= 4.5
    with page.expect_response(re.compile(rf"/articles/{paper['withdrawn'].pk}/$")) as answer:
        withdrawn.locator("polygon").click()
    assert answer.value.status == 410
    expect(page.locator("h1")).to_have_text("稿件已撤回")


def test_the_same_by_keyboard_only(live_server, page, paper):
    page.goto(live_server.url + FRONT)
    target = f"/articles/{paper['lead'].pk}/"
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const a = document.activeElement; return [a.getAttribute('href'), a.getAttribute('class')]; }"
        )
        if focused == [target, "region"]:
            break
    else:
        pytest.fail("Tab never reached the lead story's region")
    polygon = page.locator(f"#article-{paper['lead'].pk} polygon")
    assert polygon.evaluate("p => getComputedStyle(p).stroke") == "rgb(140, 13, 20)"  # the focus outline
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + target)
    expect(page.locator("h1")).to_have_text(LEAD)
    assert page.console_errors == []


def test_on_a_375_pixel_phone_the_article_list_takes_the_place_of_the_image(live_server, phone_page, paper):
    phone = phone_page
    phone.goto(live_server.url + FRONT)
    expect(phone.locator(".epaper-sheet")).to_be_hidden()
    expect(phone.get_by_role("link", name="查看版面大图")).to_be_visible()
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 375
    link = phone.locator(".epaper-list").get_by_role("link", name=SECOND)
    expect(link).to_be_visible()
    box = link.bounding_box()
    assert box["height"] >= 24 and box["width"] >= 44  # large enough to tap
    link.tap()
    expect(phone).to_have_url(live_server.url + paper["second"].get_absolute_url())
    # The issue page's strip is a row of thumbnails on a phone, and the page still fits.
    phone.goto(live_server.url + ISSUE)
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 375
    expect(phone.locator(".page-strip").get_by_role("link", name=re.compile("第A04版"))).to_be_visible()
    assert phone.console_errors == []


def test_the_fragment_highlights_every_region_of_the_article(live_server, page, new_page, paper):
    lead = paper["lead"].pk
    page.goto(f"{live_server.url}{FRONT}#article-{lead}")
    regions = page.locator(f'.region[data-article="{lead}"]')
    expect(regions).to_have_count(2)
    for i in range(2):
        expect(regions.nth(i)).to_have_class(re.compile(r"\bis-target\b"))
    expect(page.locator(f'.epaper-list li[data-article="{lead}"]')).to_have_class(re.compile(r"\bis-target\b"))
    expect(page.locator(f'.region[data-article="{paper["second"].pk}"]')).not_to_have_class(re.compile("is-target"))
    assert page.console_errors == []

    # Without JavaScript: :target outlines the first region.
    plain = new_page(java_script_enabled=False)
    plain.goto(f"{live_server.url}{FRONT}#article-{lead}")
    stroke = plain.locator(f"#article-{lead} polygon").evaluate("p => getComputedStyle(p).stroke")
    assert stroke == "rgb(179, 18, 27)"

    # On a phone the list is what scrolls into view.
    phone = new_page(viewport={"width": 375, "height": 740}, is_mobile=True)
    phone.goto(f"{live_server.url}{FRONT}#article-{paper['second'].pk}")
    item = phone.locator(f'.epaper-list li[data-article="{paper["second"].pk}"]')
    expect(item).to_have_class(re.compile(r"\bis-target\b"))
    expect(item).to_be_in_viewport()


def test_the_date_picker_leads_to_another_issue(live_server, page, paper):
    page.goto(live_server.url + FRONT)
    picker = page.locator("#issue-date")
    assert picker.get_attribute("min") == DAY and picker.get_attribute("max") == DAY
    picker.fill("2019-01-07")
    # The browser itself refuses a date before the first issue; the server says so too.
    page.evaluate("() => document.querySelector('#issue-date').removeAttribute('min')")
    page.get_by_role("button", name="看这天的报纸").click()
    expect(page.locator("h1")).to_have_text("2019年1月7日没有出报")
    page.locator("#issue-date").fill(DAY)
    page.get_by_role("button", name="看这天的报纸").click()
    expect(page).to_have_url(live_server.url + ISSUE)
    assert page.console_errors == []


@pytest.mark.parametrize("path", [ISSUE, FRONT, f"/issues/{DAY}/A04/"])
def test_no_serious_accessibility_violations(live_server, new_page, axe_script, paper, path):
    page = new_page(bypass_csp=True)
    assert page.goto(live_server.url + path).status == 200
    violations = violations_on(page, axe_script)
    assert not violations, f"{path}:\n{report(violations)}"
