"""The region editor in a real browser: draw a region with the mouse and save; the same with the
keyboard only; no console errors (a CSP violation is one)."""

import datetime

import pytest

from articles.epaper.pages import attach
from articles.models import PageRegion
from tests.epaper import pdfs
from tests.epaper.conftest import upload
from tests.factories import ArticleFactory, PageFactory
from tests.workflow.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "衡阳日报-电子版-2024-口令"
# axe-core's serious and critical findings, one line each (rule: elements).
SERIOUS_VIOLATIONS = """() => axe.run(document, {resultTypes: ["violations"]}).then(result => result.violations
  .filter(v => v.impact === "serious" || v.impact === "critical")
  .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(" ")).join(", ")}`))"""


@pytest.fixture
def setup(settings):
    settings.SERVE_MEDIA = True
    page = PageFactory(issue__date=datetime.date(2019, 1, 8), number="A04", name="两会特刊")
    attach(page, upload(pdfs.story_pdf()))  # renditions follow on commit (no test transaction here)
    article = ArticleFactory(title="衡阳加快构建现代产业体系", page=page)
    make_user("chief", "总编辑", password=PASSWORD)
    return page, article


def log_in(browser_page, live_server, next_url):
    browser_page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    browser_page.fill("#id_username", "chief")
    browser_page.fill("#id_password", PASSWORD)
    browser_page.click("input[type=submit]")
    browser_page.wait_for_url(f"{live_server.url}{next_url}")


def test_draw_a_region_with_the_mouse_pick_its_article_and_save(live_server, page, setup):
    paper, article = setup
    url = f"/admin/articles/page/{paper.pk}/regions/"
    log_in(page, live_server, url)
    page.wait_for_function("document.getElementById('region-image').complete")
    box = page.locator("#region-svg").bounding_box()
    start = (box["x"] + box["width"] * 0.05, box["y"] + box["height"] * 0.05)
    end = (box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.25)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + 20, start[1] + 20, steps=3)
    page.mouse.move(*end, steps=8)
    page.mouse.up()
    assert page.locator("#region-svg polygon").count() == 1
    # The search field of the new region has the focus; the text read from the PDF appears.
    page.keyboard.type("现代产业")
    page.locator(".region-result", has_text=article.title).click()
    page.wait_for_selector(".region-text-parts dd")
    assert pdfs.TITLE in page.inner_text(".region-text")
    page.click("#region-save")
    page.wait_for_url(f"{live_server.url}{url}")
    region = PageRegion.objects.get()
    assert region.article_id == article.pk and region.page_id == paper.pk
    left, top, right, bottom = region.bounds()
    assert (round(left, 2), round(top, 2), round(right, 2), round(bottom, 2)) == (0.05, 0.05, 0.6, 0.25)
    assert "区域已保存" in page.inner_text(".messagelist")
    # Drag its corner: the region follows.
    page.wait_for_function("document.getElementById('region-image').complete")
    box = page.locator("#region-svg").bounding_box()  # the message above moved the page down
    handle = page.locator(".region-handle").nth(2).bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.65, box["y"] + box["height"] * 0.3, steps=5)
    page.mouse.up()
    page.click("#region-save")
    page.wait_for_selector(".messagelist")
    corner = PageRegion.objects.get().polygon[2]
    assert [round(v, 2) for v in corner] == [0.65, 0.3]
    assert page.console_errors == []


def press_tab_until(page, selector, limit=80):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_same_with_the_keyboard_only(live_server, page, setup):
    paper, article = setup
    url = f"/admin/articles/page/{paper.pk}/regions/"
    log_in(page, live_server, url)
    press_tab_until(page, "#region-add")
    page.keyboard.press("Enter")
    page.keyboard.type("现代产业")
    page.wait_for_selector(".region-result")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('region-result')")
    page.keyboard.press("Enter")
    assert article.title in page.inner_text(".region-article")
    # Position and size in per cent, typed into the fields.
    for name, value in (("left", "10"), ("top", "20"), ("width", "30"), ("height", "15")):
        press_tab_until(page, f"input[data-field={name}]")
        page.keyboard.press("Control+A")
        page.keyboard.type(value)
    page.keyboard.press("Tab")
    press_tab_until(page, "#region-save")
    page.keyboard.press("Enter")
    page.wait_for_selector(".messagelist")
    region = PageRegion.objects.get()
    assert region.article_id == article.pk
    assert [round(v, 3) for v in region.bounds()] == [0.1, 0.2, 0.4, 0.35]

    # Move the region with the arrow keys (Shift: ten steps), then one of its corners.
    press_tab_until(page, ".region-shape")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('region-handle')")
    page.keyboard.press("ArrowUp")
    press_tab_until(page, "#region-save")
    page.keyboard.press("Enter")
    page.wait_for_selector(".messagelist")
    polygon = PageRegion.objects.get().polygon
    assert [round(v, 3) for v in polygon[0]] == [0.15, 0.195]  # moved right 0.05, then its first corner up
    assert [round(v, 3) for v in polygon[2]] == [0.45, 0.35]
    assert page.console_errors == []


def test_deleting_a_region_by_keyboard(live_server, page, setup):
    paper, article = setup
    PageRegion.objects.create(page=paper, article=article, polygon=pdfs.STORY_REGION)
    url = f"/admin/articles/page/{paper.pk}/regions/"
    log_in(page, live_server, url)
    press_tab_until(page, ".region-delete")
    page.keyboard.press("Enter")
    press_tab_until(page, "#region-save")
    page.keyboard.press("Enter")
    page.wait_for_selector(".messagelist")
    assert not PageRegion.objects.exists()
    assert page.console_errors == []


def test_the_editor_has_no_serious_accessibility_violations(live_server, new_page, axe_script, setup):
    paper, article = setup
    PageRegion.objects.create(page=paper, article=article, polygon=pdfs.STORY_REGION)
    page = new_page(bypass_csp=True)  # to inject axe-core; the other tests run under the CSP
    url = f"/admin/articles/page/{paper.pk}/regions/"
    log_in(page, live_server, url)
    page.click("#region-add")  # a region without its article yet: the search field and its results
    page.keyboard.type("现代产业")
    page.wait_for_selector(".region-result")
    page.wait_for_selector(".region-text-parts dd")
    page.add_script_tag(path=str(axe_script))
    serious = page.evaluate(SERIOUS_VIOLATIONS)
    assert not serious, "\n".join(serious)


def test_the_editor_page_is_valid_html(client, admin_user, vnu_command, setup, tmp_path):
    import json
    import subprocess

    paper, article = setup
    PageRegion.objects.create(page=paper, article=article, polygon=pdfs.STORY_REGION)
    client.force_login(admin_user)
    folder = tmp_path / "html"
    folder.mkdir()
    for name, url in (
        ("regions", f"/admin/articles/page/{paper.pk}/regions/"),
        ("upload", "/admin/articles/page/upload-issue/"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        (folder / f"{name}.html").write_bytes(response.content)
    run = subprocess.run(
        [*vnu_command, "--stdout", *sorted(str(f) for f in folder.iterdir())],
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors = [m for m in json.loads(run.stdout)["messages"] if m["type"] in ("error", "non-document-error")]
    assert not errors, "\n".join(f"{m.get('url')}:{m.get('lastLine')}: {m['message']}" for m in errors)
