"""The layout's rules that import-linter cannot see: one visibility rule, migrations without app
code, receivers connected in ready(), views imported by their URLs only."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("articles", "clusters", "search", "hengyang_cms")


def project_files(*, migrations: bool = False):
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if ("migrations" in path.parts) == migrations:
                yield path


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at any depth (also inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


# The visibility rule written out: a lookup on the publication time bounded by now, or the same
# comparison in SQL. Anywhere but articles/models.py it is a second copy of the rule.
VISIBILITY_COPY = re.compile(r"published_at__lte|published_at\s*<=")


def test_the_visibility_rule_is_written_in_one_place():
    copies = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in project_files()
        if path != ROOT / "articles" / "models.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if VISIBILITY_COPY.search(line)
    ]
    assert copies == []


def test_the_visibility_check_can_fail(tmp_path):
    # The pattern finds both forms a copy would take.
    assert VISIBILITY_COPY.search("Article.objects.filter(published_at__lte=timezone.now())")
    assert VISIBILITY_COPY.search("WHERE a.published_at <= %s")


@pytest.mark.parametrize("app", ["articles", "clusters", "search"])
def test_migrations_import_no_application_code(app):
    for path in sorted((ROOT / app / "migrations").glob("*.py")):
        project = {m for m in imports_of(path) if m.split(".")[0] in APPS}
        assert project == set(), f"{path.relative_to(ROOT)} imports {sorted(project)}"


def test_signal_receivers_are_connected_in_ready_not_by_import():
    decorated = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in project_files()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef)
        for decorator in node.decorator_list
        if "receiver" in ast.unparse(decorator)
    ]
    assert decorated == []


def test_view_modules_are_imported_by_url_modules_only():
    importers = [
        str(path.relative_to(ROOT))
        for path in project_files()
        if not path.name == "urls.py"
        for module in imports_of(path)
        if module.rsplit(".", 1)[-1].endswith("views") or ".views." in module
        if not module.startswith("django.")
    ]
    assert importers == []
