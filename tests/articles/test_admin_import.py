"""The admin import page: permission, preview without writing, confirm to create drafts."""

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.models import Article, Contributor, Section

FIXTURES = Path(__file__).parent / "fixtures"
IMPORT_URL = "/admin/articles/article/import/"


def upload(name: str, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes() if data is None else data)


@pytest.fixture
def importer_client(client):
    user = User.objects.create_user("archivist", password="x" * 12, is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="articles",
            codename__in=["import_article", "view_article", "change_article"],
        )
    )
    client.force_login(user)
    client.user = user
    return client


@pytest.mark.django_db
def test_url_and_changelist_link(admin_client):
    assert reverse("admin:articles_article_import") == IMPORT_URL
    page = admin_client.get(reverse("admin:articles_article_changelist"))
    assert page.status_code == 200
    assert f'href="{IMPORT_URL}"' in page.content.decode()


@pytest.mark.django_db
def test_staff_without_the_import_permission_is_refused(client):
    user = User.objects.create_user("reporter", password="x" * 12, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_article", "change_article"]))
    client.force_login(user)
    assert client.get(IMPORT_URL).status_code == 403
    response = client.post(IMPORT_URL, {"files": [upload("no_credit.txt")], "encoding": "utf-8"})
    assert response.status_code == 403
    assert Article.objects.count() == 0
    assert f'href="{IMPORT_URL}"' not in client.get(reverse("admin:articles_article_changelist")).content.decode()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_preview_shows_the_parse_and_errors_and_writes_nothing(importer_client):
    assert importer_client.get(IMPORT_URL).status_code == 200
    response = importer_client.post(
        IMPORT_URL,
        {
            "files": [
                upload("kicker_subtitle.txt"),
                upload("intern_photo.txt"),
                upload("bad_empty_section.txt"),
            ],
            "encoding": "utf-8",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "有色金属产业链向高端延伸" in html and "聚焦千亿产业集群" in html and "水口山锌项目投产见闻" in html
    assert "文/图（本报记者）：罗文鹏" in html
    assert "省人大代表 陈湘江" in html and "市政协常委 赵立新" in html
    assert "有色金属" in html and "精细化工" in html
    assert "拉长做<mark>‖</mark>强，让老基地" in html  # a word rejoined across a page break
    # ... shown at the line of its first half, where an archivist looks for it in the file.
    assert "第 16 行：…业链条拉长做<mark>‖</mark>强" in html
    assert "bad_empty_section.txt" in html and "第 5 行：小节“代表点评”没有正文" in html
    assert "确认导入为草稿" in html and "将创建 2 篇草稿" in html
    assert Article.objects.count() == 0 and Contributor.objects.count() == 0


@pytest.mark.django_db
def test_confirm_creates_drafts_once(importer_client):
    preview = importer_client.post(
        IMPORT_URL,
        {
            "files": [
                upload("no_credit.txt"),
                upload("crlf_bom_spaces.txt"),
                upload("bad_no_title.txt"),
            ],
            "encoding": "utf-8",
            "issue_date": "2019-01-08",
            "page_number": "a04",
            "page_name": "两会特刊",
        },
    )
    token = preview.context["token"]
    response = importer_client.post(IMPORT_URL, {"token": token}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("admin:articles_article_changelist"))
    assert "已导入 2 篇草稿；1 个有错误的文件未导入。" in response.content.decode()
    articles = Article.objects.order_by("pk")
    assert [a.title for a in articles] == [
        "全域旅游让衡阳更有“颜值”",
        "胶轮有轨电车示范线开工",
    ]
    assert {a.status for a in articles} == {"draft"}
    assert {a.created_by for a in articles} == {importer_client.user}
    assert {(a.page.number, a.page.name, a.page.issue.date.isoformat()) for a in articles} == {
        ("A04", "两会特刊", "2019-01-08")
    }
    assert Section.objects.filter(commentator_title="市政协委员、企业家", commentator__name="张三").exists()

    again = importer_client.post(IMPORT_URL, {"token": token}, follow=True)
    assert "已经确认过或已过期" in again.content.decode()
    assert Article.objects.count() == 2

    # The same files uploaded again are recognised and create nothing new.
    preview = importer_client.post(IMPORT_URL, {"files": [upload("no_credit.txt")], "encoding": "utf-8"})
    assert "此前已导入" in preview.content.decode() and "确认导入为草稿" not in preview.content.decode()


@pytest.mark.django_db
def test_jsonl_records_become_drafts_and_gbk_needs_its_encoding(importer_client):
    record = {"status": "published", "published_at": "2019-01-08T06:00:00+08:00", "title": "<script>alert(1)</script>",
              "lead": ["一段。"], "clusters": ["油茶"]}  # fmt: skip
    data = (json.dumps(record, ensure_ascii=False) + "\n").encode()
    preview = importer_client.post(
        IMPORT_URL,
        {
            "files": [upload("records.jsonl", data), upload("gbk_archive.txt")],
            "encoding": "utf-8",
        },
    )
    html = preview.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "油茶等农副产品种植加工" in html
    assert "--encoding gbk" in html
    importer_client.post(IMPORT_URL, {"token": preview.context["token"]})
    article = Article.objects.get()
    assert article.status == "draft" and article.title == "<script>alert(1)</script>"

    preview = importer_client.post(IMPORT_URL, {"files": [upload("gbk_archive.txt")], "encoding": "gbk"})
    assert "纺织服装产业焕发新生机" in preview.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {
                "files": [SimpleUploadedFile("photo.png", b"\x89PNG")],
                "encoding": "utf-8",
            },
            "不是 .txt 或 .jsonl 文件",
        ),
        ({"encoding": "utf-8"}, "这个字段是必填项"),
        (
            {
                "files": [SimpleUploadedFile("a.txt", b"# t\n\nx")],
                "encoding": "utf-8",
                "page_number": "A01",
            },
            "需要出版日期",
        ),
        (
            {
                "files": [SimpleUploadedFile("a.txt", b"# t\n\nx")],
                "encoding": "utf-8",
                "issue_date": "2019-01-08",
                "page_number": "第一版",
            },
            "版次格式",
        ),
    ],
)
def test_bad_uploads_get_form_errors(importer_client, data, message):
    response = importer_client.post(IMPORT_URL, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Article.objects.count() == 0
