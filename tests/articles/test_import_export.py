"""import_articles / export_articles against the database: contract, all-or-nothing, round trip."""

import datetime
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from taggit.models import Tag

from articles.importing.importer import ArticleImporter, ImportOptions, article_import
from articles.importing.parsing import ParseError, parse_text
from articles.models import Article, Commentator, Contributor, Credit, Issue, Page, Section
from articles.selectors import article_record, export_queryset, iter_article_records
from tests.articles.files import FIXTURES, SEED, needs_seed
from tests.commands import run
from tests.factories import EIGHT_CLUSTERS

CONTENT_MODELS = [Article, Section, Credit, Contributor, Commentator, Issue, Page, Tag]
GOOD_FIXTURES = [
    "kicker_subtitle.txt",
    "crlf_bom_spaces.txt",
    "intern_photo.txt",
    "no_credit.txt",
]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in CONTENT_MODELS}


def export_lines(*args) -> list[dict]:
    code, out, _ = run("export_articles", *args)
    assert code == 0
    return [json.loads(line) for line in out.splitlines()]


@needs_seed
@pytest.mark.django_db
def test_seed_dry_run_prints_the_schema_and_writes_nothing():
    before = counts()
    code, out, err = run("import_articles", str(SEED), "--dry-run", "--json")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1 and not err.startswith("{")
    record = json.loads(lines[0])
    assert list(record) == [
        "title",
        "kicker",
        "subtitle",
        "credits",
        "lead",
        "sections",
        "clusters",
    ]
    assert record["title"] == "八大千亿产业领航衡阳“换道超车”"
    assert record["credits"] == [
        {"role": "统筹", "names": ["罗文鹏"]},
        {"role": "整理", "names": ["姚永军", "罗文鹏", "许珂", "金明达"]},
        {"role": "摄影", "names": ["黄沐", "陈太仰", "王翟"]},
    ]
    assert len(record["lead"]) == 4
    assert [(s["commentator"]["title"], s["commentator"]["name"]) for s in record["sections"]] == [
        ("市人大代表", "夏君山"),
        ("市政协委员", "罗安宝"),
        ("市人大代表", "殷小虎"),
        ("市政协委员", "吴颖"),
    ]
    assert [len([p for p in s["paragraphs"] if not p.startswith("### ")]) for s in record["sections"]] == [5, 6, 6, 5]
    text = json.dumps(record, ensure_ascii=False)
    assert "可持续发展" in text and "精细化工、纺织服装" in text
    assert record["clusters"] == EIGHT_CLUSTERS
    assert counts() == before


@needs_seed
@pytest.mark.django_db
def test_seed_imported_twice_as_published_creates_one_article_on_its_page(
    django_capture_on_commit_callbacks,
):
    options = ["--status", "published", "--date", "2019-01-08", "--page", "A04", "--page-name", "两会特刊"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert run("import_articles", str(SEED), *options)[0] == 0
    assert len(callbacks) == 1
    code, out, _ = run("import_articles", str(SEED), *options)
    assert code == 0 and "新建 0 篇" in out
    article = Article.objects.get()
    assert article.published_at == datetime.datetime(2019, 1, 8, 6, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert article.is_visible
    assert (article.page.number, article.page.name, article.page.issue.date) == (
        "A04",
        "两会特刊",
        datetime.date(2019, 1, 8),
    )
    assert sorted(article.clusters.values_list("name", flat=True)) == sorted(EIGHT_CLUSTERS)
    assert Commentator.objects.count() == 4 and Section.objects.count() == 4
    assert Contributor.objects.filter(name="罗文鹏").count() == 1
    assert list(article.credits.values_list("role", "qualifier", "contributor__name"))[:2] == [
        ("统筹", "本报记者", "罗文鹏"),
        ("整理", "本报记者", "姚永军"),
    ]

    [record] = export_lines()
    for key in ["id", "url", "status", "issue_date", "page", "tags", "title", "credits", "lead", "sections", "clusters",
                "kicker", "subtitle", "published_at", "issue_number"]:  # fmt: skip
        assert key in record
    assert record["id"] == article.pk and record["url"] == f"/articles/{article.pk}/"
    assert record["status"] == "published"
    assert record["published_at"] == "2019-01-08T06:00:00+08:00"
    assert record["issue_date"] == "2019-01-08" and record["issue_number"] is None
    assert record["page"] == {"number": "A04", "name": "两会特刊"}
    assert record["tags"] == [] and record["clusters"] == EIGHT_CLUSTERS

    # The search app indexed the import once the transaction committed.
    from search.models import SearchDocument

    assert SearchDocument.objects.filter(article=article).exists()


@pytest.mark.django_db
def test_drafts_by_default_and_published_without_date_is_now():
    code, _, _ = run("import_articles", str(FIXTURES / "no_credit.txt"))
    assert code == 0
    draft = Article.objects.get()
    assert draft.status == "draft" and draft.published_at is None and draft.page is None
    before = datetime.datetime.now(tz=ZoneInfo("Asia/Shanghai"))
    run("import_articles", str(FIXTURES / "intern_photo.txt"), "--status", "published")
    published = Article.objects.get(title="精细化工园区迈向绿色发展")
    assert published.status == "published" and published.published_at >= before - datetime.timedelta(seconds=1)
    assert list(published.clusters.values_list("name", flat=True)) == ["精细化工"]


@pytest.mark.django_db
def test_folder_import_reports_bad_files_and_keeps_good_ones(tmp_path):
    for name in [*GOOD_FIXTURES, "bad_no_title.txt", "bad_empty_section.txt"]:
        (tmp_path / name).write_bytes((FIXTURES / name).read_bytes())
    (tmp_path / "notes.md").write_text("# 不是稿件")
    code, out, err = run("import_articles", str(tmp_path))
    assert code == 1
    assert f"{tmp_path / 'bad_no_title.txt'}:1: 缺少以“# ”开头的标题行" in err.splitlines()
    assert f"{tmp_path / 'bad_empty_section.txt'}:5: 小节“代表点评”没有正文" in err.splitlines()
    assert "新建 4 篇" in out and "失败 2 个文件" in out
    assert Article.objects.count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("bad_empty.txt", ":1: 文件是空的"),
        ("bad_binary.txt", ":3: 这是二进制文件"),
        ("bad_no_title.txt", ":1: 缺少以“# ”开头的标题行"),
        ("bad_empty_section.txt", ":5: 小节“代表点评”没有正文"),
        ("gbk_archive.txt", ":1: 文件不是 UTF-8 编码"),
    ],
)
def test_each_bad_file_changes_nothing(name, reason):
    before = counts()
    code, out, err = run("import_articles", str(FIXTURES / name), "--status", "published", "--date", "2019-01-08",
                         "--page", "A01", "--dry-run" if name == "bad_empty.txt" else "--json")  # fmt: skip
    assert code == 1
    assert err.startswith(f"{FIXTURES / name}{reason}")
    assert counts() == before
    assert not out.startswith("{")


@pytest.mark.django_db
def test_gbk_archive_with_encoding_option():
    code, _, _ = run("import_articles", str(FIXTURES / "gbk_archive.txt"), "--encoding", "gbk")
    assert code == 0
    assert Article.objects.get().title == "纺织服装产业焕发新生机"


@pytest.mark.django_db
def test_missing_file_and_bad_options():
    code, _, err = run("import_articles", str(FIXTURES / "nope.txt"))
    assert code == 1 and "nope.txt:1: 找不到这个文件" in err
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("import_articles", str(FIXTURES / "no_credit.txt"), "--date", "2019-02-30")
    with pytest.raises(CommandError, match="--date"):
        call_command("import_articles", str(FIXTURES / "no_credit.txt"), "--issue-number", "3")
    code, _, err = run(
        "import_articles",
        str(FIXTURES / "no_credit.txt"),
        "--page",
        "第四版",
        "--date",
        "2019-01-08",
    )
    assert code == 1 and "版次" in err
    assert counts()["Article"] == 0 and counts()["Issue"] == 0


@pytest.mark.django_db
def test_a_bad_line_fails_the_whole_jsonl_file(tmp_path):
    good = {
        "title": "好稿",
        "lead": ["一段。"],
        "issue_date": "2019-01-09",
        "issue_number": 9001,
        "page": {"number": "A01", "name": "要闻"},
    }
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        json.dumps(good, ensure_ascii=False) + "\n" + '{"title": "坏稿", "lead": "不是列表"}\n',
        "utf-8",
    )
    before = counts()
    code, _, err = run("import_articles", str(path))
    assert code == 1 and f"{path}:2: " in err
    assert counts() == before


@pytest.mark.django_db
def test_issue_numbers_must_agree(tmp_path):
    run(
        "import_articles",
        str(FIXTURES / "no_credit.txt"),
        "--date",
        "2019-01-08",
        "--issue-number",
        "100",
    )
    code, _, err = run(
        "import_articles",
        str(FIXTURES / "intern_photo.txt"),
        "--date",
        "2019-01-08",
        "--issue-number",
        "101",
    )
    assert code == 1 and "期号是 100" in err
    code, _, err = run(
        "import_articles",
        str(FIXTURES / "intern_photo.txt"),
        "--date",
        "2019-01-09",
        "--issue-number",
        "100",
    )
    assert code == 1 and "期号 100 已属于 2019-01-08" in err
    assert Issue.objects.count() == 1 and Article.objects.count() == 1


@pytest.mark.django_db
def test_commentator_keeps_one_record_and_each_section_its_printed_title():
    older = "# 旧稿\n\n导语。\n\n## 建议\n\n市政协委员 罗安宝\n\n要抓工业。"
    newer = "# 新稿\n\n导语。\n\n## 建议\n\n市人大代表 罗安宝\n\n要抓园区。"
    importer = ArticleImporter(ImportOptions(issue_date=datetime.date(2024, 1, 10), page_number="A01"))
    assert next(importer.import_files([("new", [parse_text(newer)])])).ok
    importer = ArticleImporter(ImportOptions(issue_date=datetime.date(2019, 1, 8), page_number="A01"))
    assert next(importer.import_files([("old", [parse_text(older)])])).ok
    person = Commentator.objects.get()
    assert person.title == "市人大代表"  # the newer article's title is the current one
    assert sorted(person.sections.values_list("commentator_title", "article__title")) == [
        ("市人大代表", "新稿"),
        ("市政协委员", "旧稿"),
    ]


@pytest.mark.django_db
def test_article_import_service_is_idempotent():
    parsed = parse_text((FIXTURES / "kicker_subtitle.txt").read_text("utf-8"))
    article, created = article_import(parsed=parsed)
    again, created_again = article_import(parsed=parsed)
    assert created and not created_again and again.pk == article.pk
    assert (article.kicker, article.subtitle) == (
        "聚焦千亿产业集群",
        "水口山锌项目投产见闻",
    )
    assert article.import_key == parsed.import_key


@pytest.mark.django_db
def test_unknown_cluster_in_a_record_is_an_error():
    parsed = parse_text("# 甲\n\n一段。")
    parsed.clusters = ["不存在的集群"]
    with pytest.raises(ParseError, match="未知的产业集群"):
        article_import(parsed=parsed)
    assert Article.objects.count() == 0


def rich_jsonl(tmp_path) -> Path:
    """Records with every field the export carries, in several states."""
    records = [
        {"status": "published", "published_at": "2019-01-08T06:00:00+08:00", "issue_date": "2019-01-08",
         "issue_number": 10123, "page": {"number": "A04", "name": "两会特刊"}, "tags": ["两会", "产业"],
         "title": "八大产业集群", "kicker": "聚焦两会", "subtitle": "代表委员热议",
         "credits": [{"role": "统筹", "names": ["罗文鹏"]}, {"role": "摄影", "names": ["黄沐", "王翟"]}],
         "lead": ["第一段。", "第二段。"],
         "sections": [{"heading": "建议", "commentator": {"title": "市人大代表", "name": "夏君山"},
                       "paragraphs": ["### 小标题", "正文。"]},
                      {"heading": "", "commentator": None, "paragraphs": ["无署名的小节。"]}],
         "clusters": ["有色金属", "轨道交通"]},
        {"status": "withdrawn", "published_at": "2019-01-09T08:30:15.250000+08:00", "issue_date": None,
         "issue_number": None, "page": None, "tags": [], "title": "撤下的稿件", "kicker": None, "subtitle": None,
         "credits": [], "lead": ["内容。"], "sections": [], "clusters": []},
        {"status": "draft", "published_at": None, "issue_date": None, "issue_number": None, "page": None,
         "tags": ["草稿"], "title": "草稿", "kicker": None, "subtitle": None,
         "credits": [{"role": "记者", "names": ["吴静"]}], "lead": ["\u3000\u3000编辑在后台写的段落，  两个空格。", "第一行\n第二行"], "sections": [],
         "clusters": ["油茶"]},
    ]  # fmt: skip
    path = tmp_path / "rich.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def empty_database():
    Article.objects.all().delete()
    for model in [Section, Credit, Contributor, Commentator, Page, Issue, Tag]:
        model.objects.all().delete()


@pytest.mark.django_db
def test_export_import_export_round_trip(tmp_path):
    for name in GOOD_FIXTURES:
        run(
            "import_articles",
            str(FIXTURES / name),
            "--status",
            "published",
            "--date",
            "2019-01-10",
            "--page",
            "A02",
        )
    code, _, err = run("import_articles", str(rich_jsonl(tmp_path)))
    assert code == 0, err
    first = export_lines()
    assert len(first) == 7
    exported = tmp_path / "export.jsonl"
    exported.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in first), "utf-8")

    empty_database()
    assert counts() == dict.fromkeys(counts(), 0)
    code, _, err = run("import_articles", str(exported))
    assert code == 0, err
    second = export_lines()

    def strip(records):
        return [{k: v for k, v in r.items() if k not in ("id", "url")} for r in records]

    assert strip(second) == strip(first)
    # Importing the export into the same database again creates nothing new.
    assert "新建 0 篇" in run("import_articles", str(exported))[1]


@pytest.mark.django_db
def test_jsonl_keeps_its_own_status_time_and_page_unless_overridden(tmp_path):
    path = rich_jsonl(tmp_path)
    assert run("import_articles", str(path))[0] == 0
    first = Article.objects.get(title="八大产业集群")
    assert (first.status, first.page.number, first.page.issue.number) == (
        "published",
        "A04",
        10123,
    )
    assert sorted(first.tags.names()) == ["两会", "产业"]
    assert list(first.clusters.values_list("name", flat=True)) == [
        "有色金属",
        "轨道交通",
    ]
    assert Article.objects.get(title="草稿").clusters.get().name == "油茶等农副产品种植加工"

    empty_database()
    run(
        "import_articles",
        str(path),
        "--status",
        "draft",
        "--date",
        "2020-05-01",
        "--page",
        "B01",
    )
    moved = Article.objects.get(title="八大产业集群")
    assert moved.status == "draft" and moved.page.issue.date == datetime.date(2020, 5, 1)
    assert moved.page.number == "B01" and moved.page.issue.number is None


@pytest.mark.django_db
def test_since_and_status_filters_on_export():
    run(
        "import_articles",
        str(FIXTURES / "no_credit.txt"),
        "--status",
        "published",
        "--date",
        "2019-01-08",
    )
    run(
        "import_articles",
        str(FIXTURES / "intern_photo.txt"),
        "--status",
        "published",
        "--date",
        "2020-03-01",
    )
    run("import_articles", str(FIXTURES / "kicker_subtitle.txt"))
    assert [r["title"] for r in export_lines("--since", "2020-01-01")] == ["精细化工园区迈向绿色发展"]
    assert [r["title"] for r in export_lines("--status", "draft")] == ["有色金属产业链向高端延伸"]
    assert len(export_lines()) == 3


@pytest.mark.django_db
def test_export_queries_do_not_grow_with_articles(django_assert_max_num_queries):
    for name in GOOD_FIXTURES:
        run(
            "import_articles",
            str(FIXTURES / name),
            "--date",
            "2019-01-10",
            "--page",
            "A02",
        )
    with django_assert_max_num_queries(8):
        records = list(iter_article_records(chunk_size=500))
    assert len(records) == 4
    article = export_queryset(Article.objects.filter(title="胶轮有轨电车示范线开工")).get()
    assert article_record(article)["credits"] == [
        {"role": "记者", "names": ["吴静"]},
        {"role": "通讯员", "names": ["周晓东"]},
    ]


@pytest.mark.django_db
def test_a_chunk_the_database_refuses_is_retried_file_by_file(monkeypatch):
    """A failure only the database sees (here: a title too long for a bypassed check) costs one file."""
    importer = ArticleImporter(chunk_size=10)
    good = parse_text("# 好稿\n\n正文。")
    bad = parse_text("# 坏稿\n\n正文。")
    bad.title = "长" * 300
    monkeypatch.setattr("articles.importing.importer._limit", lambda *args: None)
    results = list(importer.import_files([("good", [good]), ("bad", [bad])]))
    if Article.objects.filter(title="长" * 300).exists():
        pytest.skip("this database does not enforce varchar lengths (SQLite)")
    assert [r.ok for r in results] == [True, False]
    assert "数据库拒绝写入" in results[1].error.reason
    assert list(Article.objects.values_list("title", flat=True)) == ["好稿"]


@pytest.mark.django_db
def test_load_demo_goes_through_the_importer_and_is_idempotent(
    django_capture_on_commit_callbacks,
):
    from clusters.models import Milestone, Project

    with django_capture_on_commit_callbacks(execute=True):
        assert run("load_demo", "--no-photos")[0] == 0
    first = counts() | {
        "Milestone": Milestone.objects.count(),
        "Project": Project.objects.count(),
    }
    assert run("load_demo", "--no-photos")[0] == 0
    assert counts() | {"Milestone": Milestone.objects.count(), "Project": Project.objects.count()} == first

    assert Article.objects.count() == 5 and Article.objects.visible().count() == 4
    assert Article.objects.filter(status="draft").count() == 1
    assert all(a.import_key for a in Article.objects.all())
    special = Article.objects.get(page__issue__date="2019-01-08")
    assert (special.page.number, special.page.name) == ("A04", "两会特刊")
    assert special.kicker == "聚焦市两会" and special.subtitle == "代表委员热议八大千亿产业集群建设"
    assert special.clusters.count() == 8 and "市两会" in special.tags.names()

    person = Commentator.objects.get(name="罗安宝")
    assert person.title == "市政协常委"
    assert sorted(person.sections.values_list("commentator_title", flat=True)) == [
        "市政协委员",
        "市政协常委",
    ]

    milestone = Milestone.objects.get(date="2018-12-26", project__name="中国五矿铜铅锌产业基地30万吨锌项目")
    assert milestone.source_article.title == "中国五矿30万吨锌项目在水口山投产"
    assert milestone.cluster.name == "有色金属" and milestone.project.location == "水口山经济开发区"
    park = Project.objects.get(name="白沙绿岛军民融合产业园")
    assert sorted(park.organizations.values_list("name", flat=True)) == sorted(["中核集团", "中钢集团", "南华大学"])
    assert str(park.started_on) == "2018-11-16" and park.status == "signed"
    assert Project.objects.get(name="比亚迪轨道交通智能制造产业园").location == "松木经开区"


def test_parallel_reading_gives_the_same_results_in_order(tmp_path):
    from articles.management.commands.import_articles import read_files

    names = [*GOOD_FIXTURES, "bad_no_title.txt", "gbk_archive.txt"] * 3
    paths = []
    for number, name in enumerate(names):
        path = tmp_path / f"{number:02d}_{name}"
        path.write_bytes((FIXTURES / name).read_bytes())
        paths.append(path)
    paths.append(tmp_path / "missing.txt")

    def summary(results):
        return [
            (
                name,
                (error.line, error.reason) if isinstance(error := parsed, ParseError) else parsed[0].import_key,
            )
            for name, parsed in results
        ]

    sequential = summary(read_files(paths, "utf-8"))
    assert summary(read_files(paths, "utf-8", workers=2)) == sequential
    assert sequential[-1][1] == (1, "找不到这个文件")
