"""Any .jsonl line, however strange, is a ``PATH:LINE: 原因`` and exit 1 — never a traceback — and
a form error in the admin import page, never a 500 (issue #12, B).

The rule: the JSON reader turns every failure of json.loads (nesting beyond the recursion limit,
numbers beyond what Python converts) and of the record's fields (a wrong type anywhere) into
ParseError(line, reason); values from the file are shown short and printable in the reason.
"""

import io
import json

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from articles.importing.parsing import ParseError, parse_jsonl
from articles.models import Article, Issue

GOOD = {"title": "好稿", "lead": ["一段。"]}

PATHOLOGICAL = {
    "nested lists": "[" * 100_000 + "]" * 100_000,
    "nested objects": '{"a":' * 100_000 + "1" + "}" * 100_000,
    "nested inside a field": json.dumps({**GOOD, "lead": [[["x"]]]}),
    "a huge integer": '{"title": "x", "lead": ["y"], "issue_number": ' + "9" * 10_000 + "}",
    "a huge float": '{"title": "x", "lead": ["y"], "issue_number": 1e999}',
    "NaN": '{"title": NaN, "lead": ["y"]}',
    "a list": "[1, 2, 3]",
    "a string": '"标题"',
    "null": "null",
    "title a number": json.dumps({"title": 1, "lead": ["y"]}),
    "lead a string": json.dumps({"title": "x", "lead": "一段"}),
    "lead of numbers": json.dumps({"title": "x", "lead": [1, 2]}),
    "credits an object": json.dumps({**GOOD, "credits": {"role": "记者"}}),
    "credit a string": json.dumps({**GOOD, "credits": ["记者 王五"]}),
    "credit names a string": json.dumps({**GOOD, "credits": [{"role": "记者", "names": "王五"}]}),
    "credit role a list": json.dumps({**GOOD, "credits": [{"role": ["记者"], "names": ["王五"]}]}),
    "sections a string": json.dumps({**GOOD, "sections": "小节"}),
    "section a list": json.dumps({**GOOD, "sections": [["小节"]]}),
    "section paragraphs an object": json.dumps({**GOOD, "sections": [{"heading": "h", "paragraphs": {"a": 1}}]}),
    "commentator a string": json.dumps(
        {**GOOD, "sections": [{"heading": "h", "commentator": "代表", "paragraphs": ["p"]}]}
    ),
    "commentator name a number": json.dumps(
        {**GOOD, "sections": [{"heading": "h", "commentator": {"name": 5}, "paragraphs": ["p"]}]}
    ),
    "clusters a string": json.dumps({**GOOD, "clusters": "有色金属"}),
    "status a list": json.dumps({**GOOD, "status": ["published"]}),
    "status an object": json.dumps({**GOOD, "status": {"a": "b"}}),
    "status a long string": json.dumps({**GOOD, "status": "x" * 1_000_000}),
    "status a lone surrogate": '{"title": "x", "lead": ["y"], "status": "\\ud800"}',
    "published_at a number": json.dumps({**GOOD, "published_at": 20190108}),
    "published_at garbage": json.dumps({**GOOD, "published_at": "昨天"}),
    "issue_date a list": json.dumps({**GOOD, "issue_date": [2019, 1, 8]}),
    "issue_number a string": json.dumps({**GOOD, "issue_number": "12"}),
    "issue_number a bool": json.dumps({**GOOD, "issue_number": True}),
    "issue_number negative": json.dumps({**GOOD, "issue_number": -5}),
    "page a list": json.dumps({**GOOD, "issue_date": "2019-01-08", "page": ["A04"]}),
    "page number a number": json.dumps({**GOOD, "issue_date": "2019-01-08", "page": {"number": 4}}),
    "page number long": json.dumps({**GOOD, "issue_date": "2019-01-08", "page": {"number": "A" * 100_000}}),
    "tags a string": json.dumps({**GOOD, "tags": "两会"}),
    "tags of objects": json.dumps({**GOOD, "tags": [{"name": "两会"}]}),
    "unknown cluster, long": json.dumps({**GOOD, "clusters": ["不存在" * 10_000]}),
}


@pytest.mark.parametrize("line", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_the_reader_raises_only_parse_errors(line):
    """Failed before the fix for nesting (RecursionError) and huge numbers (ValueError)."""
    try:
        parse_jsonl(json.dumps(GOOD) + "\n" + line + "\n")
    except ParseError as error:
        assert error.line == 2
        assert len(error.reason) < 200
        error.reason.encode("utf-8")  # printable: no lone surrogate
    # (a line the reader accepts is checked by the importer: see below)


@pytest.mark.django_db
@pytest.mark.parametrize("line", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_the_command_reports_path_line_reason_and_exits_1(tmp_path, line):
    path = tmp_path / "odd.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + line + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit:
        call_command("import_articles", str(path), stdout=out, stderr=err)
    assert exit.value.code == 1
    first = err.getvalue().splitlines()[0]
    assert first.startswith(f"{path}:2: ") and len(first) < len(str(path)) + 200
    assert "Traceback" not in err.getvalue()
    assert Article.objects.count() == 0 and Issue.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["nested lists", "a huge integer", "status a lone surrogate", "status a long string", "section a list"]
)
def test_the_admin_import_page_shows_the_error(client, name):
    user = User.objects.create_user("archivist", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["import_article", "view_article", "change_article"])
    )
    client.force_login(user)
    data = (json.dumps(GOOD) + "\n" + PATHOLOGICAL[name] + "\n").encode("utf-8", "surrogatepass")
    response = client.post(
        "/admin/articles/article/import/",
        {"files": [SimpleUploadedFile("odd.jsonl", data)], "encoding": "utf-8"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "odd.jsonl" in html and "第 2 行" in html and "将创建 0 篇草稿" in html
    assert Article.objects.count() == 0
