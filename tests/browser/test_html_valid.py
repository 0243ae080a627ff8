"""Every public page type is valid HTML, as the Nu HTML Checker (the W3C validator) reads it.

Pages are rendered with the Django test client and checked in one run of the checker (Java);
any error fails the test, warnings do not. Marked `browser` with the other checks that need
tools from outside Python; skipped, with the way to install them, when they are absent.
"""

import json
import re
import subprocess

import pytest

from tests.browser.public_pages import PAGE_TYPES, build_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_every_public_page_type_is_valid_html(client, vnu_command, tmp_path, django_capture_on_commit_callbacks):
    # The commit callbacks run at once: the search index learns of the articles as it would in production.
    with django_capture_on_commit_callbacks(execute=True):
        paths, _ = build_site()
    pages = tmp_path / "pages"  # apart from the test's media folder
    pages.mkdir()
    files = {}
    for page_type in PAGE_TYPES:
        response = client.get(paths[page_type])
        assert response.status_code == (404 if page_type == "404" else 200), page_type
        file = pages / (re.sub(r"\W+", "-", page_type) + ".html")
        file.write_bytes(response.content)
        files[file.name] = page_type
    assert "search-result" in (pages / "search.html").read_text(), "the search page shows results"

    run = subprocess.run(
        [*vnu_command, "--stdout", *sorted(str(file) for file in pages.iterdir())],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.stdout, run.stderr
    errors = [m for m in json.loads(run.stdout)["messages"] if m["type"] in ("error", "non-document-error")]
    lines = [
        f"{files.get(m.get('url', '').rsplit('/', 1)[-1], m.get('url'))}:{m.get('lastLine', '?')}: "
        f"{m['message']}  «{m.get('extract', '').strip()}»"
        for m in errors
    ]
    assert not lines, "\n".join(lines)
