"""A real Chromium for browser tests: Debian's /usr/bin/chromium driven by Playwright.

Fixtures: `browser` (one Chromium per test module), `page` (a desktop-sized page in a fresh
context), `phone_page` (375 × 740 CSS pixels at 2× density), `new_page(**context_options)`,
`screenshots` (var/screenshots/). Each page collects `page.console_errors`; log_in() logs a page
into the admin.

The checkers: `axe_script` (axe-core's axe.min.js) and `vnu_command` (the Nu HTML Checker run by
Java), both from npm packages installed into var/node by .ci/run (tests/node/package.json pins
them). Without them the tests that need them are skipped and say how to install them.
Use them with pytest-django's `live_server` and `django_db(transaction=True)`: the server runs in
another thread and must see the test's rows.
"""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
NODE_MODULES = ROOT / "var" / "node" / "node_modules"
AXE_SCRIPT = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
INSTALL_HINT = (
    "install the checkers as .ci/run does: mkdir -p var/node && cp tests/node/package.json "
    "tests/node/package-lock.json var/node/ && npm ci --ignore-scripts --prefix var/node"
)
TIMEOUT_MS = 15_000


def log_in(page, base_url: str, username: str, password: str, next_url: str = "/admin/") -> None:
    """Log ``page`` into the admin through its login form; it lands on ``next_url``."""
    page.goto(f"{base_url}/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base_url}{next_url}")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Browser tests need Debian's Chromium at /usr/bin/chromium: apt-get install chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page(browser, **context_options):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    return context, page


@pytest.fixture
def page(browser):
    context, page = _page(browser, viewport={"width": 1280, "height": 900})
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context, page = _page(
        browser,
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    yield page
    context.close()


@pytest.fixture
def new_page(browser):
    """Pages with other context options, e.g. new_page(java_script_enabled=False)."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context, page = _page(browser, **options)
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core, to inject into pages (never served by the site)."""
    if not AXE_SCRIPT.exists():
        pytest.skip(f"axe-core is not installed ({AXE_SCRIPT.relative_to(ROOT)} missing): {INSTALL_HINT}")
    return AXE_SCRIPT


@pytest.fixture(scope="session")
def vnu_command() -> list[str]:
    """The Nu HTML Checker's command line, up to the files to check."""
    java = shutil.which("java")
    if java is None:
        pytest.skip("the Nu HTML Checker needs Java: apt-get install default-jre-headless")
    if not VNU_JAR.exists():
        pytest.skip(f"the Nu HTML Checker is not installed ({VNU_JAR.relative_to(ROOT)} missing): {INSTALL_HINT}")
    return [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json"]
