"""The API keeps the project's rules: the visibility rule is read from articles (never written
here), and its migrations import no application code."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "api"
VISIBILITY_COPY = re.compile(r"published_at__lte|published_at\s*<=")


def test_the_api_never_writes_the_visibility_rule_itself():
    copies = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(API.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if VISIBILITY_COPY.search(line)
    ]
    assert copies == []


def test_the_api_reads_articles_through_articles_for():
    # Every module that queries articles for a person names the one rule.
    for name in ("articles.py", "browse.py"):
        assert "articles_for(" in (API / name).read_text(), name


def test_api_migrations_import_no_application_code():
    for path in sorted((API / "migrations").glob("*.py")):
        tree = ast.parse(path.read_text())
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not {m for m in modules if m.split(".")[0] in {"api", "articles", "clusters", "search"}}, path
