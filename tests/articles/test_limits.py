"""What one article may hold (issue #12, C): sections, paragraphs, credits, characters — the importer.

The rule: articles.models.ARTICLE_LIMITS (200 sections, 2,000 paragraphs, 100 credits, 200,000
characters, 100 photos; each a setting) are checked before anything is written — by the importer
(``PATH:LINE: 原因``) and by the admin's article form and its inlines (a message; formsets with
max_num/validate_max so a hand-made form with 10,000 sections never reaches the database; see
tests/workflow/test_article_form_limits.py).
"""

import io
import json

import pytest
from django.core.management import call_command

from articles.models import Article, Contributor, Section

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[int, str]:
    err = io.StringIO()
    try:
        call_command(*args, stdout=io.StringIO(), stderr=err)
        return 0, err.getvalue()
    except SystemExit as exit:
        return exit.code, err.getvalue()


def write_record(tmp_path, **fields):
    record = {"title": "很长的稿件", "lead": ["导语。"], **fields}
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"title": "好稿", "lead": ["一段。"]}) + "\n" + json.dumps(record) + "\n")
    return path


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        (
            {"sections": [{"heading": f"第{i}节", "paragraphs": ["一段。"]} for i in range(10_000)]},
            "稿件太长：小节共 10,000 节，一篇最多 200 节",
        ),
        (
            {"sections": [{"heading": "一节", "paragraphs": ["一段。"] * 2_001}]},
            "稿件太长：段落共 2,002 段，一篇最多 2,000 段",
        ),
        (
            {"credits": [{"role": "记者", "names": [f"记者{i}" for i in range(101)]}]},
            "稿件太长：署名共 101 个，一篇最多 100 个",
        ),
        ({"lead": ["长" * 100_000, "长" * 100_001]}, "稿件太长：字数共 200,006 字，一篇最多 200,000 字"),
    ],
    ids=["sections", "paragraphs", "credits", "characters"],
)
def test_the_importer_refuses_an_article_over_a_limit_and_writes_nothing(tmp_path, fields, reason):
    """Failed before the fix: a record with 10,000 sections (or 101 credits …) was imported."""
    path = write_record(tmp_path, **fields)
    code, err = run("import_articles", str(path))
    assert code == 1 and f"{path}:2: {reason}" in err
    assert Article.objects.count() == Section.objects.count() == Contributor.objects.count() == 0


def test_the_limits_are_settings_and_text_files_are_checked_too(tmp_path, settings):
    settings.ARTICLE_MAX_SECTIONS = 2
    path = tmp_path / "three.txt"
    path.write_text(
        "# 三节的稿件\n\n导语。\n\n## 一\n\n正文。\n\n## 二\n\n正文。\n\n## 三\n\n正文。\n", encoding="utf-8"
    )
    code, err = run("import_articles", str(path))
    assert code == 1 and f"{path}:1: 稿件太长：小节共 3 节，一篇最多 2 节" in err
    settings.ARTICLE_MAX_SECTIONS = 3
    assert run("import_articles", str(path))[0] == 0
