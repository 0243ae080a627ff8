"""The printed forms of an article: credit line, print line, citation (no database needed)."""

import datetime
import json
from types import SimpleNamespace

from articles.site import presentation


def credit(role, qualifier, name):
    return SimpleNamespace(role=role, qualifier=qualifier, contributor=SimpleNamespace(name=name))


def test_the_seed_credit_line():
    credits = [credit("统筹", "本报记者", "罗文鹏")]
    credits += [credit("整理", "本报记者", n) for n in ["姚永军", "罗文鹏", "许珂", "金明达"]]
    credits += [credit("摄影", "", n) for n in ["黄沐", "陈太仰", "王翟"]]
    assert presentation.credit_line(credits) == (
        "统筹/本报记者 罗文鹏 整理/本报记者 姚永军 罗文鹏 许珂 金明达 摄影/黄沐 陈太仰 王翟"
    )


def test_a_role_that_comes_back_later_is_printed_again():
    credits = [credit("记者", "", "甲"), credit("摄影", "", "乙"), credit("记者", "", "丙")]
    assert presentation.credit_line(credits) == "记者/甲 摄影/乙 记者/丙"


def test_qualifiers_that_name_the_role_and_slashed_roles():
    credits = [
        credit("记者", "本报记者", "张三"),
        credit("通讯员", "本报通讯员", "李四"),
        credit("通讯员", "本报通讯员", "赵六"),
    ]
    assert presentation.credit_line(credits) == "本报记者 张三 本报通讯员 李四 赵六"
    assert presentation.credit_line([credit("文/图", "本报记者", "王五")]) == "文/图 本报记者 王五"
    mixed = [credit("整理", "本报记者", "甲"), credit("整理", "实习生", "乙")]
    assert presentation.credit_line(mixed) == "整理/本报记者 甲 实习生 乙"


def test_blocks_mark_subheadings():
    assert presentation.blocks(["正文。", "### 小标题", "#不是小标题"]) == [
        ("p", "正文。"),
        ("h", "小标题"),
        ("p", "#不是小标题"),
    ]


def test_json_ld_escapes_what_could_end_the_script_element():
    text = presentation.json_ld({"headline": "</script><!-- & -->"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"headline": "</script><!-- & -->"}


def fake_article(page=True, credits=()):
    issue = SimpleNamespace(date=datetime.date(2019, 1, 8))
    return SimpleNamespace(
        title="标题",
        page_id=1 if page else None,
        page=SimpleNamespace(number="A04", name="两会特刊", issue=issue) if page else None,
        published_at=datetime.datetime(2019, 1, 8, 6, tzinfo=datetime.UTC),
        credits=SimpleNamespace(all=lambda: list(credits)),
    )


def test_print_line():
    assert presentation.print_line(fake_article()) == "刊于《衡阳日报》2019年1月8日 第A04版 两会特刊"
    assert presentation.print_line(fake_article(page=False)) == ""


def test_citation_for_print_and_web_only():
    credits = [credit("记者", "本报记者", "张三"), credit("摄影", "", "李四")]
    assert presentation.citation(fake_article(credits=credits), "https://x/articles/1/") == (
        "张三. 标题[N]. 衡阳日报, 2019-01-08(A04). https://x/articles/1/"
    )
    assert presentation.citation(fake_article(page=False), "https://x/articles/1/") == (
        "标题[EB/OL]. 衡阳日报, (2019-01-08). https://x/articles/1/"
    )
