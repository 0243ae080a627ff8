"""The interactive docs (/api/v1/docs) come from our own static files and work under the site's
strict Content-Security-Policy: nothing inline, nothing from another host."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def test_the_docs_page_has_nothing_inline_and_only_local_urls(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = Page()
    page.feed(response.content.decode())
    assert page.inline_scripts == []
    scripts = [attrs for tag, attrs in page.tags if tag == "script"]
    assert scripts and all(attrs.get("src") for attrs in scripts)
    assert not [tag for tag, _ in page.tags if tag == "style"]
    for tag, attrs in page.tags:
        assert "style" not in attrs, tag
        assert not [name for name in attrs if name.startswith("on")], tag
        for name in ("src", "href", "action", "data-openapi-url"):
            url = attrs.get(name)
            if url is not None:
                assert url.startswith(("/", "#")) and not url.startswith("//"), url
    urls = [attrs.get("src") or attrs.get("href") for tag, attrs in page.tags if tag in ("script", "link")]
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_the_docs_page_is_served_under_the_strict_policy(client):
    policy = client.get("/api/v1/docs")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe" not in policy


def test_the_docs_script_reaches_no_other_host_and_writes_no_html():
    script = (ROOT / "static" / "api" / "docs.js").read_text()
    assert not re.search(r"https?://", script)
    for risky in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", ".style."):
        assert risky not in script, risky
    stylesheet = (ROOT / "static" / "api" / "docs.css").read_text()
    assert not re.search(r"url\(|@import|https?://", stylesheet)


def test_the_docs_page_reads_the_schema_it_links(client):
    page = Page()
    page.feed(client.get("/api/v1/docs").content.decode())
    [main] = [attrs for tag, attrs in page.tags if tag == "main"]
    assert client.get(main["data-openapi-url"]).json()["info"]["title"] == "衡阳日报只读接口"
    # Every problem type the API names has its explanation on the page.
    ids = {attrs.get("id") for _, attrs in page.tags}
    from api.problems import TITLES

    assert {f"problem-{slug}" for slug, _ in TITLES.values()} <= ids
