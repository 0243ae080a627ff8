"""Every public page type, and the admin's article form, checked with axe-core in Chromium.

A violation whose impact is serious or critical fails the test (contrast below WCAG AA, a form
field without a label, landmarks nobody can tell apart …); minor and moderate findings are
logged (shown with a failure), not failed. axe-core is injected from var/node (never served by the site); the page's
Content-Security-Policy, which allows only the site's own scripts, is bypassed for the injection.
"""

import logging
import re

import pytest

from tests.browser.conftest import log_in
from tests.browser.public_pages import PAGE_TYPES, build_site
from tests.site.conftest import ensure_clusters

# serialized_rollback: the eight clusters come from a data migration and must survive the flush.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

log = logging.getLogger(__name__)
BLOCKING = {"serious", "critical"}
AA_NORMAL_TEXT = 4.5

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map(n => n.target.join(" ") + " — " + (n.failureSummary || "").replace(/\\s+/g, " ")),
  }));
}"""


@pytest.fixture
def site():
    ensure_clusters()
    paths, seed = build_site()
    return {"paths": paths, "seed": seed}


def violations_on(page, axe_script) -> list[dict]:
    page.add_script_tag(path=str(axe_script))
    found = page.evaluate(RUN_AXE)
    for v in found:
        if v["impact"] not in BLOCKING:
            log.warning("axe (%s): %s: %s at %s", v["impact"], v["id"], v["help"], v["nodes"][:3])
    return [v for v in found if v["impact"] in BLOCKING]


def report(violations) -> str:
    return "\n".join(f"{v['impact']}: {v['id']} ({v['help']})\n    " + "\n    ".join(v["nodes"]) for v in violations)


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_no_serious_accessibility_violations_on_public_pages(live_server, new_page, axe_script, site, page_type):
    page = new_page(bypass_csp=True)
    response = page.goto(live_server.url + site["paths"][page_type])
    assert response.status == (404 if page_type == "404" else 200)
    violations = violations_on(page, axe_script)
    assert not violations, f"{page_type} ({site['paths'][page_type]}):\n{report(violations)}"


# Known in the admin, outside this suite's reach: Django's autocomplete widget (select2, for the
# article's clusters and tags) renders its search box without a label and <span>s inside a <ul>.
# Fixing them means patching the widget's markup in articles/admin; until then they are listed
# here by rule and element, so any other serious violation still fails the test.
KNOWN_ADMIN_VIOLATIONS = {
    "label": ".select2-search__field",
    "list": ".select2-selection__rendered",
}


def unknown(violations, known) -> list[dict]:
    left = []
    for v in violations:
        nodes = [n for n in v["nodes"] if not (v["id"] in known and known[v["id"]] in n)]
        if nodes:
            left.append({**v, "nodes": nodes})
    return left


def test_no_serious_accessibility_violations_on_the_admin_article_form(
    live_server, new_page, axe_script, site, admin_user
):
    page = new_page(bypass_csp=True)
    log_in(page, live_server.url, admin_user.username, "password")  # pytest-django's admin_user
    response = page.goto(f"{live_server.url}/admin/articles/article/{site['seed'].pk}/change/")
    assert response.status == 200
    violations = unknown(violations_on(page, axe_script), KNOWN_ADMIN_VIOLATIONS)
    assert not violations, report(violations)


# Contrast as a reader sees it: the computed colours of the text and of what is behind it.

EFFECTIVE_COLOURS = """element => {
  const opaque = c => c && c !== "transparent" && !/rgba\\(.*,\\s*0\\)$/.test(c);
  let node = element, background = null;
  while (node && !background) {
    const c = getComputedStyle(node).backgroundColor;
    if (opaque(c)) background = c;
    node = node.parentElement;
  }
  return [getComputedStyle(element).color, background || "rgb(255, 255, 255)"];
}"""


def luminance(css_colour: str) -> float:
    r, g, b = (int(x) / 255 for x in re.findall(r"\d+(?:\.\d+)?", css_colour)[:3])
    channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def contrast(locator) -> float:
    foreground, background = locator.evaluate(EFFECTIVE_COLOURS)
    lighter, darker = sorted([luminance(foreground), luminance(background)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_calendar_days_without_an_issue_are_readable(live_server, page, site):
    page.goto(live_server.url + site["paths"]["issue calendar"])
    plain_day = page.locator(".calendar td:not(.has-issue)", has_text=re.compile(r"\d")).first
    linked_day = page.locator(".calendar td.has-issue a").first
    assert contrast(plain_day) >= AA_NORMAL_TEXT
    assert contrast(linked_day) >= AA_NORMAL_TEXT


def test_search_result_dates_are_readable(live_server, page, site):
    page.goto(live_server.url + site["paths"]["search"])
    date = page.locator(".search-result .meta").first
    assert contrast(date) >= AA_NORMAL_TEXT
