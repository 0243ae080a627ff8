"""import_articles --page-image/--regions, and regions in export_articles' records."""

import json

import pytest
from django.core.management import call_command

from articles.models import Article, Issue, Page, PageRegion
from tests.epaper import pdfs
from tests.epaper.conftest import media_files
from tests.factories import ArticleFactory, PageFactory

pytestmark = pytest.mark.django_db

SQUARE = [[0.05, 0.05], [0.6, 0.05], [0.6, 0.25], [0.05, 0.25]]
TEXT = "# 衡阳加快构建现代产业体系\n\n导语段落。\n"


def run(*args):
    try:
        call_command("import_articles", *args)
    except SystemExit as exit:
        return exit.code
    return 0


def test_page_image_and_regions_by_import_key(tmp_path, capsys, django_capture_on_commit_callbacks):
    story = tmp_path / "story.txt"
    story.write_text(TEXT, "utf-8")
    pdf = tmp_path / "a04.pdf"
    pdf.write_bytes(pdfs.story_pdf())
    # A layout system knows the article by what import_articles --dry-run --json reports … or by id;
    # here by the import key of the text it exports, worked out as the importer does.
    from articles.importing.parsing import parse_file

    key = parse_file("story.txt", story.read_bytes())[0].import_key
    regions = tmp_path / "regions.json"
    regions.write_text(json.dumps([{"article": key, "polygon": SQUARE}]), "utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        code = run(
            str(story),
            "--date",
            "2019-01-08",
            "--page",
            "A04",
            "--page-name",
            "两会特刊",
            "--page-image",
            str(pdf),
            "--regions",
            str(regions),
        )
    assert code == 0
    page = Page.objects.get(issue__date="2019-01-08", number="A04")
    assert page.name == "两会特刊" and page.pdf and page.image
    region = page.regions.get()
    assert region.article == Article.objects.get(import_key=key)
    assert "区域 1 个" in capsys.readouterr().out


def test_a_page_image_alone(tmp_path):
    image = tmp_path / "a01.pdf"
    image.write_bytes(pdfs.story_pdf())
    assert run("--date", "2019-01-08", "--page", "A01", "--page-image", str(image)) == 0
    assert Page.objects.get(number="A01").image


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (json.dumps([{"article": 999999, "polygon": SQUARE}]), "第 1 个区域：找不到稿件 999999"),
        (json.dumps([{"article": "ID", "polygon": [[0.1, 0.1], [2, 0.1], [0.5, 0.5]]}]), "第 1 个区域：区域超出版面"),
        (json.dumps([{"article": "ID", "polygon": [[0.1, 0.1], [0.5, 0.1]]}]), "至少需要 3 个顶点"),
        ("[{", "不是有效的 JSON"),
    ],
)
def test_a_bad_regions_file_saves_neither_regions_nor_the_page_image(tmp_path, capsys, content, words, settings):
    article = ArticleFactory()
    page = PageFactory(number="A04")
    PageRegion.objects.create(page=page, article=article, polygon=SQUARE)
    regions = tmp_path / "regions.json"
    regions.write_text(content.replace('"ID"', str(article.pk)), "utf-8")
    image = tmp_path / "a04.pdf"
    image.write_bytes(pdfs.story_pdf())
    before = (Page.objects.count(), list(PageRegion.objects.values_list("pk", "polygon")), media_files(settings))
    code = run(
        "--date", page.issue.date.isoformat(), "--page", "A04", "--page-image", str(image), "--regions", str(regions)
    )
    assert code == 1
    err = capsys.readouterr().err
    assert f"{regions}: " in err and words in err
    page.refresh_from_db()
    assert not page.image
    assert (
        Page.objects.count(),
        list(PageRegion.objects.values_list("pk", "polygon")),
        media_files(settings),
    ) == before


def test_a_bad_page_file_stops_before_any_article_is_imported(tmp_path, capsys):
    story = tmp_path / "story.txt"
    story.write_text(TEXT, "utf-8")
    bad = tmp_path / "a04.pdf"
    bad.write_bytes(pdfs.encrypted_pdf())
    code = run(str(story), "--date", "2019-01-08", "--page", "A04", "--page-image", str(bad))
    assert code == 1
    assert "加密" in capsys.readouterr().err
    assert not Article.objects.exists() and not Issue.objects.exists()


def test_page_files_need_a_date_and_page(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--date 和 --page"):
        call_command("import_articles", "--page-image", str(tmp_path / "x.pdf"))


def export_lines(capsys) -> list[dict]:
    capsys.readouterr()
    call_command("export_articles")
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_export_import_export_keeps_regions(tmp_path, capsys, django_db_blocker):
    a04 = PageFactory(number="A04", name="两会特刊")
    a05 = PageFactory(issue=a04.issue, number="A05", name="要闻")
    continued = ArticleFactory(page=a04, title="转版的稿件")
    single = ArticleFactory(page=a04, title="一版的稿件")
    PageRegion.objects.create(page=a04, article=continued, polygon=SQUARE, position=0)
    PageRegion.objects.create(page=a04, article=single, polygon=[[0.1, 0.5], [0.9, 0.5], [0.5, 0.9]], position=1)
    PageRegion.objects.create(page=a05, article=continued, polygon=[[0, 0], [1, 0], [1, 0.3], [0, 0.3]], position=0)
    first = export_lines(capsys)
    by_title = {r["title"]: r for r in first}
    assert by_title["转版的稿件"]["regions"] == [
        {"page": {"date": a04.issue.date.isoformat(), "number": "A04"}, "polygon": SQUARE},
        {
            "page": {"date": a04.issue.date.isoformat(), "number": "A05"},
            "polygon": [[0, 0], [1, 0], [1, 0.3], [0, 0.3]],
        },
    ]
    dump = tmp_path / "export.jsonl"
    dump.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in first), "utf-8")

    # Into an empty archive.
    Article.objects.all().delete()
    Issue.objects.all().delete()
    assert run(str(dump)) == 0
    assert PageRegion.objects.count() == 3
    second = export_lines(capsys)
    strip = lambda records: sorted(  # noqa: E731
        ({k: v for k, v in r.items() if k not in ("id", "url")} for r in records), key=lambda r: r["title"]
    )
    assert strip(second) == strip(first)


def test_a_record_with_a_bad_region_is_refused_whole(tmp_path, capsys):
    record = {
        "title": "标题",
        "lead": ["导语。"],
        "regions": [{"page": {"date": "2019-01-08", "number": "A04"}, "polygon": [[0, 0], [1, 1]]}],
    }
    dump = tmp_path / "bad.jsonl"
    dump.write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    assert run(str(dump)) == 1
    assert "bad.jsonl:1: 第 1 个版面区域：区域至少需要 3 个顶点" in capsys.readouterr().err
    assert not Article.objects.exists() and not PageRegion.objects.exists()
