"""The text format parser: variants, artefacts, bad input. Pure: no database."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.importing.parsing import (
    ParsedCommentator,
    ParsedCredit,
    ParseError,
    decode_bytes,
    find_clusters,
    parse_credit_line,
    parse_file,
    parse_jsonl,
    parse_record,
    parse_text,
)
from tests.articles.files import FIXTURES, SEED, needs_seed


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse_fixture(name: str, encoding: str = "utf-8"):
    [article] = parse_file(name, fixture(name), encoding)
    return article


@needs_seed
def test_the_seed_parses_into_the_printed_structure():
    article = parse_file(SEED.name, SEED.read_bytes())[0]
    record = article.as_record()
    assert record["title"] == "八大千亿产业领航衡阳“换道超车”"
    assert record["credits"] == [
        {"role": "统筹", "names": ["罗文鹏"]},
        {"role": "整理", "names": ["姚永军", "罗文鹏", "许珂", "金明达"]},
        {"role": "摄影", "names": ["黄沐", "陈太仰", "王翟"]},
    ]
    assert [c.qualifier for c in article.credits] == ["本报记者", "本报记者", ""]
    assert len(record["lead"]) == 4
    assert [s["commentator"] for s in record["sections"]] == [
        {"title": "市人大代表", "name": "夏君山"},
        {"title": "市政协委员", "name": "罗安宝"},
        {"title": "市人大代表", "name": "殷小虎"},
        {"title": "市政协委员", "name": "吴颖"},
    ]
    assert [len(s["paragraphs"]) for s in record["sections"]] == [5, 6, 6, 5]
    paragraphs = [p for s in record["sections"] for p in s["paragraphs"]]
    assert any("可持续发展的新路子" in p for p in paragraphs)
    assert any("精细化工、纺织服装、全域旅游" in p for p in paragraphs)
    # Each rejoined word is shown at the line of its first half (the preview points there).
    assert [(r.line, r.before[-2:], r.after[:2]) for r in article.rejoined] == [
        (25, "可持", "续发"),
        (45, "细化", "工、"),
    ]
    assert record["kicker"] is None and record["subtitle"] is None


def test_kicker_subtitle_and_combined_role():
    article = parse_fixture("kicker_subtitle.txt")
    assert article.kicker == "聚焦千亿产业集群"
    assert article.title == "有色金属产业链向高端延伸"
    assert article.subtitle == "水口山锌项目投产见闻"
    assert article.credits == (ParsedCredit("文/图", ("罗文鹏",), "本报记者"),)
    section = article.sections[0]
    assert section.commentator == ParsedCommentator("省人大代表", "陈湘江")
    assert section.paragraphs[1] == "### 三个着力点"
    assert "把产业链条拉长做强，让老基地" in section.paragraphs[0]


def test_plain_kicker_line_and_dash_subtitle():
    article = parse_text("两会特稿\n\n# 主题\n——副题在这里\n\n导语。")
    assert (article.kicker, article.title, article.subtitle) == (
        "两会特稿",
        "主题",
        "副题在这里",
    )
    assert article.lead == ("导语。",)


def test_crlf_bom_full_width_and_trailing_spaces_are_normalised():
    article = parse_fixture("crlf_bom_spaces.txt")
    assert article.title == "胶轮有轨电车示范线开工"
    assert article.credits == (
        ParsedCredit("记者", ("吴静",), "本报记者"),
        ParsedCredit("通讯员", ("周晓东",), ""),
    )
    assert article.lead[0].startswith("2018年12月26日")
    assert article.lead[1] == "示范线连接松木经开区与城区，将与比亚迪轨道交通智能制造产业园联动发展。"
    assert article.sections[0].commentator == ParsedCommentator("全国人大代表", "刘华清")
    assert article.sections[0].paragraphs == ("轨道交通是衡阳的新名片，要抓住机遇。",)


def test_same_content_in_other_line_ends_has_the_same_import_key():
    crlf = parse_fixture("crlf_bom_spaces.txt")
    lf = parse_text(fixture("crlf_bom_spaces.txt").decode("utf-8-sig").replace("\r\n", "\n"))
    assert crlf.import_key == lf.import_key
    assert parse_text("# 甲\n\n正文。").import_key != parse_text("# 乙\n\n正文。").import_key


def test_reporter_intern_and_photographer_with_lists_left_alone():
    article = parse_fixture("intern_photo.txt")
    assert article.credits == (
        ParsedCredit("记者", ("夏宁",)),
        ParsedCredit("实习生", ("李欣然",)),
        ParsedCredit("摄影", ("王翟",)),
    )
    section = article.sections[0]
    assert section.commentator == ParsedCommentator("市政协常委", "赵立新")
    assert section.paragraphs == (
        "### 绿色发展的三件事",
        "1. 淘汰落后产能",
        "2. 建设污水集中处理设施",
        "3. 引进龙头企业",
        "园区负责人介绍，今年将新增投资20亿元，重点建设循环化改造项目。",
        "重点项目一览",
        "下一步，园区将继续推动精细化工产业集群高质量发展。",
    )


def test_no_credit_line_and_commentator_titles_with_descriptions():
    article = parse_fixture("no_credit.txt")
    assert article.credits == ()
    assert [s.commentator for s in article.sections] == [
        ParsedCommentator("衡南县人大代表", "胡秋云"),
        ParsedCommentator("市政协委员、企业家", "张三"),
    ]


def test_gbk_archives_need_the_encoding_option():
    with pytest.raises(ParseError) as error:
        parse_fixture("gbk_archive.txt")
    assert "UTF-8" in error.value.reason and "--encoding gbk" in error.value.reason
    assert parse_fixture("gbk_archive.txt", "gbk").title == "纺织服装产业焕发新生机"


@pytest.mark.parametrize(
    ("kind", "source", "line", "words"),
    [
        ("file", "bad_empty.txt", 1, "空"),
        ("file", "bad_binary.txt", 3, "二进制"),
        ("file", "bad_no_title.txt", 1, "标题"),
        ("file", "bad_empty_section.txt", 5, "没有正文"),
        ("text", "", 1, "空"),
        ("text", "# \n\n正文。", 1, "标题是空的"),
        ("text", "# 只有标题", 1, "没有正文"),
        ("text", "引题一\n引题二\n# 标题\n\n正文。", 1, "引题"),
        ("text", "# 标题\n\n正文。\n\n# 第二个标题\n\n正文。", 5, "只能有一个"),
        ("text", "# 标题\n\n■\n\n正文。", 3, "署名行是空的"),
        ("text", "# 标题\n\n■统筹/\n\n正文。", 3, "角色/姓名"),
        ("text", "# 标题\n\n■罗文鹏\n\n正文。", 3, "没有写角色"),
        ("text", "# 标题\n\n■统筹/本报记者 摄影/王翟\n\n正文。", 3, "缺少姓名"),
        ("text", "# 标题\n\n## \n\n正文。", 3, "小节标题是空的"),
        ("text", "# 标题\n\n## 小节\n\n### 只有小标题", 3, "没有正文"),
        ("text", "# 标题\n\n#### 四级\n\n正文。", 3, "四级"),
        ("text", "## 小节\n\n正文。", 1, "标题"),
        ("text", "# 标题\n\n正文\x07。", 3, "控制字符"),
    ],
)
def test_bad_files_and_texts_are_refused_with_line_and_reason(kind, source, line, words):
    with pytest.raises(ParseError) as error:
        if kind == "file":
            parse_file(source, fixture(source))
        else:
            parse_text(source)
    assert error.value.line == line
    assert words in error.value.reason


def test_invalid_utf8_reports_the_line_it_is_on():
    data = "# 标题\n\n第一段。\n".encode() + "第二段。".encode("gbk")
    with pytest.raises(ParseError) as error:
        decode_bytes(data)
    assert error.value.line == 4


def test_rejoin_never_crosses_a_heading():
    article = parse_text(
        "# 标题\n\n导语没有结尾的标点\n\n## 小节\n\n正文写到一半，继续写\n\n### 小标题\n\n后面是新的段落。"
    )
    assert article.lead == ("导语没有结尾的标点",)
    assert article.sections[0].paragraphs == (
        "正文写到一半，继续写",
        "### 小标题",
        "后面是新的段落。",
    )


def test_rejoin_chains_and_keeps_closing_punctuation_apart():
    article = parse_text(
        "# 标题\n\n这一段很长，被分页切成了三\n\n块，第二块也没有写\n\n完。\n\n这是新的一段。\n\n“引语开头的段落。”"
    )
    assert article.lead == (
        "这一段很长，被分页切成了三块，第二块也没有写完。",
        "这是新的一段。",
        "“引语开头的段落。”",
    )
    assert len(article.rejoined) == 2


def test_list_items_and_short_unpunctuated_lines_stay_separate():
    text = "# 标题\n\n（一）第一项要做的事情，写得很长很长没有句号\n\n（二）第二项\n\n一、首先\n\n①另一种列表\n\n● 要点"
    assert parse_text(text).lead == (
        "（一）第一项要做的事情，写得很长很长没有句号",
        "（二）第二项",
        "一、首先",
        "①另一种列表",
        "● 要点",
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "■统筹/本报记者 罗文鹏 整理/本报记者 姚永军 罗文鹏 许珂 金明达 摄影/黄沐 陈太仰 王翟",
            [
                ("统筹", ("罗文鹏",), "本报记者"),
                ("整理", ("姚永军", "罗文鹏", "许珂", "金明达"), "本报记者"),
                ("摄影", ("黄沐", "陈太仰", "王翟"), ""),
            ],
        ),
        (
            "■本报记者 王五 通讯员 赵六",
            [("记者", ("王五",), "本报记者"), ("通讯员", ("赵六",), "")],
        ),
        (
            "■本报记者 王五 本报通讯员 赵六",
            [("记者", ("王五",), "本报记者"), ("通讯员", ("赵六",), "本报通讯员")],
        ),
        ("■文/图 本报记者 王五", [("文/图", ("王五",), "本报记者")]),
        (
            "■记者 王五 实习生 赵六 摄影/钱七",
            [
                ("记者", ("王五",), ""),
                ("实习生", ("赵六",), ""),
                ("摄影", ("钱七",), ""),
            ],
        ),
        ("■统筹：罗文鹏", [("统筹", ("罗文鹏",), "")]),
        ("■ 图\uff0f新华社", [("图", ("新华社",), "")]),
    ],
)
def test_credit_line_variants(line, expected):
    assert [(c.role, c.names, c.qualifier) for c in parse_credit_line(line, 1)] == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("市人大代表 夏君山", ("市人大代表", "夏君山")),
        ("全国人大代表 刘华清", ("全国人大代表", "刘华清")),
        ("市政协委员、企业家 张三", ("市政协委员、企业家", "张三")),
        ("市政协常委 赵立新", ("市政协常委", "赵立新")),
        ("衡阳是座宜居城市 很好", None),
        ("市人大代表夏君山说，要抓住机遇。", None),
        ("市人大代表 Xia", None),
    ],
)
def test_commentator_line_recognition(line, expected):
    article = parse_text(f"# 标题\n\n## 小节\n\n{line}\n\n正文。")
    commentator = article.sections[0].commentator
    assert (commentator and (commentator.title, commentator.name)) == (expected or None)


def test_find_clusters_uses_every_name_in_the_given_order():
    names = {
        "有色金属": ["有色金属"],
        "油茶等农副产品种植加工": ["油茶等农副产品种植加工", "油茶"],
        "全域旅游": ["全域旅游"],
    }
    assert find_clusters("上山摘油茶果，看有色金属厂", names) == [
        "有色金属",
        "油茶等农副产品种植加工",
    ]


def test_json_records_round_trip_through_the_parser():
    article = parse_fixture("kicker_subtitle.txt")
    record = article.as_record(["有色金属"])
    again = parse_record(json.loads(json.dumps(record)))
    assert again.as_record() == record
    assert again.import_key == article.import_key


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("[1, 2]", "JSON 对象"),
        ("{not json", "JSON"),
        ('{"title": ""}', "title"),
        ('{"title": "甲"}', "没有正文"),
        ('{"title": "甲", "lead": ["段落"], "status": "gone"}', "未知的状态"),
        (
            '{"title": "甲", "lead": ["段落"], "published_at": "2019-01-08T06:00:00"}',
            "时区",
        ),
        ('{"title": "甲", "lead": ["段落"], "issue_date": "2019-13-01"}', "issue_date"),
        ('{"title": "甲", "lead": ["段落"], "page": {"number": "A04"}}', "issue_date"),
        ('{"title": "甲", "lead": ["段\\n\\n落"]}', "空行"),
        ('{"title": "甲\\n乙", "lead": ["段落"]}', "换行"),
        (
            '{"title": "甲", "credits": [{"role": "记者", "names": []}], "lead": ["段落"]}',
            "姓名",
        ),
        (
            '{"title": "甲", "sections": [{"heading": "小节", "paragraphs": []}]}',
            "没有正文",
        ),
        ('{"title": "甲", "lead": ["段落"], "issue_number": "12"}', "issue_number"),
    ],
)
def test_bad_json_lines_fail_the_file_at_their_line(line, words):
    good = '{"title": "好的", "lead": ["一段。"]}'
    with pytest.raises(ParseError) as error:
        parse_jsonl(f"{good}\n\n{line}\n{good}\n")
    assert error.value.line == 3
    assert words in error.value.reason


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                [
                    "# ",
                    "## ",
                    "### ",
                    "#### ",
                    "■",
                    "■统筹/",
                    "市人大代表 ",
                    "——",
                    "引题：",
                    "\n",
                    "\r\n",
                ]
            ),
            st.sampled_from(
                [
                    "衡阳",
                    "，",
                    "。",
                    "本报记者",
                    "文/图",
                    "1. ",
                    "（一）",
                    "\ufeff",
                    "\u3000",
                    "\x00",
                ]
            ),
        ),
        max_size=30,
    ).map("".join)
)
def test_any_text_gives_an_article_or_a_parse_error(text):
    try:
        article = parse_text(text)
    except ParseError as error:
        assert error.line >= 1 and error.reason
    else:
        assert article.title
        assert article.lead or article.sections
        json.dumps(article.as_record(), ensure_ascii=False)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_an_article_or_a_parse_error(data):
    for name in ("a.txt", "a.jsonl"):
        try:
            parse_file(name, data)
        except ParseError:
            pass


# --- words straddling a page break (issue #13, item 8) ---------------------------------------------

# Words whose halves, split where given, are not words of their own: a page break inside them
# leaves fragments no reader would print on their own.
STRADDLED = [("规划", 1), ("可持续", 2), ("发展", 1), ("建设", 1), ("产业集群", 3), ("基础设施", 3), ("积极", 1)]
BEFORE_TEXT = "近年来我市认真贯彻落实市委市政府决策部署全面推进"
AFTER_TEXT = "的步伐不断加快全市上下形成合力"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(STRADDLED),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=1, max_value=12),
    st.booleans(),
)
def test_a_word_broken_by_a_page_break_is_rejoined_whatever_the_fragment_lengths(word_split, left, right, full_stop):
    word, split = word_split
    before = (BEFORE_TEXT + word[:split])[-left:]
    after = (word[split:] + AFTER_TEXT)[:right] + ("。" if full_stop else "")
    article = parse_text(f"# 标题\n\n{before}\n\n{after}")
    assert article.lead == (before + after,)
    assert [(r.line, r.before, r.after) for r in article.rejoined] == [(3, before[-6:], after[:6])]


def test_the_docstrings_fragments_are_rejoined():
    article = parse_text("# 标题\n\n在规\n\n划、建设八大千亿产业集群的过程中，我们要坚持可持\n\n续发展。")
    assert article.lead == ("在规划、建设八大千亿产业集群的过程中，我们要坚持可持续发展。",)
    assert [r.line for r in article.rejoined] == [3, 5]


HEADINGS = [
    "走绿色发展之路",
    "加快产业转型升级",
    "做大做强实体经济",
    "八大产业集群",
    "项目建设",
    "新能源",
    "有色金属",
    "产业发展",
    "图为比亚迪产业园",
    "两会特刊",
]
OPENINGS = [
    "汽车产业是我市的支柱产业。",
    "要努力走出可持续发展的新路子。",
    "我市将继续推进项目建设。",
    "展望未来，信心满满。",
    "群众满意度不断提升。",
    "近年来，衡阳坚持创新驱动。",
    "市人大代表夏君山说，要抓好落实。",
    "2018年12月26日，项目投产。",
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(HEADINGS), st.sampled_from(OPENINGS))
def test_a_heading_is_never_glued_to_the_paragraph_after_it(heading, opening):
    article = parse_text(f"# 标题\n\n{heading}\n\n{opening}")
    assert article.lead == (heading, opening)
    assert article.rejoined == []
