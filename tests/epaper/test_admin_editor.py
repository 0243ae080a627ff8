"""The page admin's e-paper half: uploads, the region editor's saves, text and drafts; rights on the server."""

import json

import pytest
from django.contrib.auth.models import Group, User

from articles.models import Article, Issue, Page, PageRegion
from tests.epaper import pdfs
from tests.epaper.conftest import media_files, upload
from tests.factories import ArticleFactory, PageFactory
from tests.workflow.conftest import ensure_roles

pytestmark = pytest.mark.django_db

SQUARE = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.4], [0.1, 0.4]]


def person(name: str, group: str | None = None, **flags) -> User:
    ensure_roles()
    user = User.objects.create_user(name, is_staff=True, **flags)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def login(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


@pytest.fixture
def page_with_pdf():
    page = PageFactory(number="A04", name="两会特刊")
    from articles.epaper.pages import attach

    # The test's transaction never commits, so no renditions are made: the editor shows the master.
    attach(page, upload(pdfs.story_pdf()))
    page.refresh_from_db()
    return page


def regions_url(page):
    return f"/admin/articles/page/{page.pk}/regions/"


def test_the_change_form_uploads_a_page_and_links_the_editor(login, admin_user, django_capture_on_commit_callbacks):
    page = PageFactory(number="A04")
    client = login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/articles/page/{page.pk}/change/",
            {
                "issue": page.issue_id,
                "number": "A04",
                "name": "两会特刊",
                "upload": upload(pdfs.story_pdf()),
                "articles-TOTAL_FORMS": 0,
                "articles-INITIAL_FORMS": 0,
            },
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    page.refresh_from_db()
    assert page.pdf and page.image and page.renditions
    body = client.get(f"/admin/articles/page/{page.pk}/change/").content.decode()
    assert regions_url(page) in body and "下载 PDF" in body


def test_a_refused_upload_in_the_change_form_changes_nothing(login, admin_user, counts):
    page = PageFactory(number="A04", name="要闻")
    before = counts()
    response = login(admin_user).post(
        f"/admin/articles/page/{page.pk}/change/",
        {
            "issue": page.issue_id,
            "number": "A04",
            "name": "改了名",
            "upload": upload(pdfs.encrypted_pdf()),
            "articles-TOTAL_FORMS": 0,
            "articles-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "已加密" in response.content.decode()
    assert counts() == before
    assert Page.objects.get(pk=page.pk).name == "要闻"


def test_a_whole_issue_upload_creates_the_issue_and_its_pages(login, admin_user, settings):
    client = login(admin_user)
    assert "上传整期 PDF" in client.get("/admin/articles/page/").content.decode()
    response = client.post(
        "/admin/articles/page/upload-issue/", {"issue_date": "2019-01-08", "pdf": upload(pdfs.story_pdf(2))}
    )
    assert response.status_code == 302
    assert list(Page.objects.filter(issue__date="2019-01-08").values_list("number", flat=True)) == ["A01", "A02"]


def test_a_refused_whole_issue_creates_no_issue(login, admin_user, settings):
    response = login(admin_user).post(
        "/admin/articles/page/upload-issue/", {"issue_date": "2019-01-08", "pdf": upload(pdfs.truncated_pdf())}
    )
    assert response.status_code == 200 and "损坏" in response.content.decode()
    assert not Issue.objects.exists() and not media_files(settings)


def test_the_editor_shows_regions_with_their_text(login, admin_user, page_with_pdf):
    article = ArticleFactory(title="衡阳加快构建现代产业体系")
    PageRegion.objects.create(page=page_with_pdf, article=article, polygon=pdfs.STORY_REGION)
    response = login(admin_user).get(regions_url(page_with_pdf))
    assert response.status_code == 200
    body = response.content.decode()
    assert "region-editor.js" in body and "<style" not in body and " style=" not in body
    data = json.loads(body.split('id="region-data" type="application/json">')[1].split("</script>")[0])
    assert data[0]["article"] == {"id": article.pk, "title": article.title}
    assert data[0]["text"]["title"] == pdfs.TITLE and data[0]["text"]["kicker"] == pdfs.KICKER


def test_saving_regions_replaces_them_and_raises_updated_at(login, admin_user, page_with_pdf):
    first, second = ArticleFactory(), ArticleFactory()
    PageRegion.objects.create(page=page_with_pdf, article=first, polygon=SQUARE)
    before = Page.objects.get(pk=page_with_pdf.pk).updated_at
    payload = [
        {"article": second.pk, "polygon": SQUARE},
        {"article": first.pk, "polygon": [[0, 0.5], [1, 0.5], [1, 1]]},
    ]
    response = login(admin_user).post(regions_url(page_with_pdf), {"regions": json.dumps(payload)})
    assert response.status_code == 302
    assert list(page_with_pdf.regions.values_list("article_id", "polygon")) == [
        (second.pk, SQUARE),
        (first.pk, [[0, 0.5], [1, 0.5], [1, 1]]),
    ]
    assert Page.objects.get(pk=page_with_pdf.pk).updated_at > before
    # And all of them can be removed.
    assert login(admin_user).post(regions_url(page_with_pdf), {"regions": "[]"}).status_code == 302
    assert not page_with_pdf.regions.exists()


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ([{"article": 999999, "polygon": SQUARE}], "找不到稿件"),
        ([{"article": "OK", "polygon": [[0.1, 0.1], [0.2, 0.2]]}], "至少需要 3 个顶点"),
        ([{"article": "OK", "polygon": [[0.1, 0.1], [1.5, 0.1], [0.2, 0.9]]}], "超出版面"),
        ([{"article": None, "polygon": SQUARE}], "还没有选稿件"),
        ("not json", "无法读取"),
    ],
)
def test_a_bad_save_is_refused_with_the_drawing_kept(login, admin_user, page_with_pdf, payload, words):
    article = ArticleFactory()
    PageRegion.objects.create(page=page_with_pdf, article=article, polygon=SQUARE)
    before = (list(PageRegion.objects.values_list("pk", "polygon")), Page.objects.get(pk=page_with_pdf.pk).updated_at)
    if isinstance(payload, list):
        payload = json.dumps(payload).replace('"OK"', str(article.pk))
    response = login(admin_user).post(regions_url(page_with_pdf), {"regions": payload})
    assert response.status_code == 400
    assert words in response.content.decode()
    assert (
        list(PageRegion.objects.values_list("pk", "polygon")),
        Page.objects.get(pk=page_with_pdf.pk).updated_at,
    ) == before


def test_a_region_may_name_only_articles_the_user_may_read(login, page_with_pdf):
    reporter = person("reporter", "记者", is_superuser=False)
    editor = person("editor", "编辑")
    others_draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None, created_by=reporter)
    # A reporter may not change pages at all.
    response = login(reporter).post(
        regions_url(page_with_pdf), {"regions": json.dumps([{"article": others_draft.pk, "polygon": SQUARE}])}
    )
    assert response.status_code == 403
    # An editor sees every article: allowed.
    response = login(editor).post(
        regions_url(page_with_pdf), {"regions": json.dumps([{"article": others_draft.pk, "polygon": SQUARE}])}
    )
    assert response.status_code == 302


def test_without_the_change_right_nothing_changes(login, page_with_pdf):
    viewer = person("viewer")
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_page"))
    article = ArticleFactory()
    PageRegion.objects.create(page=page_with_pdf, article=article, polygon=SQUARE)
    client = login(viewer)
    page_view = client.get(regions_url(page_with_pdf))
    assert page_view.status_code == 200 and "保存区域" not in page_view.content.decode()
    before = list(PageRegion.objects.values_list("pk", "article_id", "polygon"))
    assert client.post(regions_url(page_with_pdf), {"regions": "[]"}).status_code == 403
    draft = client.post(f"{regions_url(page_with_pdf)}draft/", {"polygon": json.dumps(pdfs.STORY_REGION)})
    assert draft.status_code == 403
    assert list(PageRegion.objects.values_list("pk", "article_id", "polygon")) == before
    assert Article.objects.count() == 1


def test_a_draft_needs_the_right_to_add_articles(login, page_with_pdf):
    pages_only = person("pages_only")
    from django.contrib.auth.models import Permission

    pages_only.user_permissions.add(*Permission.objects.filter(codename__in=["view_page", "change_page"]))
    response = login(pages_only).post(f"{regions_url(page_with_pdf)}draft/", {"polygon": json.dumps(pdfs.STORY_REGION)})
    assert response.status_code == 403
    assert not Article.objects.exists() and not PageRegion.objects.exists()


@pytest.mark.parametrize("role", ["编辑", "档案员"])
def test_a_region_becomes_a_draft_and_the_editor_lands_on_it(login, page_with_pdf, role):
    user = person("someone", role)
    response = login(user).post(f"{regions_url(page_with_pdf)}draft/", {"polygon": json.dumps(pdfs.STORY_REGION)})
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/articles/article/{article.pk}/change/"
    assert article.status == Article.Status.DRAFT and article.created_by == user
    assert article.title == pdfs.TITLE and article.kicker == pdfs.KICKER
    assert article.lead_paragraphs == [
        "本报讯\u3000市人大代表夏君山认为，轨道交通产业集群正在加速形成。",
        "第二段：松木经开区项目已经投产，年产值超过二百亿元。",
    ]
    assert article.page == page_with_pdf
    assert page_with_pdf.regions.get().article == article


def test_a_draft_from_an_empty_region_says_why(login, admin_user, page_with_pdf):
    empty = [[0.9, 0.9], [1, 0.9], [1, 1], [0.9, 1]]
    response = login(admin_user).post(
        f"{regions_url(page_with_pdf)}draft/", {"polygon": json.dumps(empty)}, follow=True
    )
    assert "没有读到文字" in response.content.decode()
    assert not Article.objects.exists()


def test_the_text_endpoint(login, admin_user, page_with_pdf):
    client = login(admin_user)
    answer = client.post(f"{regions_url(page_with_pdf)}text/", {"polygon": json.dumps(pdfs.STORY_REGION)}).json()
    assert answer["text"]["title"] == pdfs.TITLE
    bad = client.post(f"{regions_url(page_with_pdf)}text/", {"polygon": "[[0,0]]"})
    assert bad.status_code == 400 and "3 个顶点" in bad.json()["error"]


def test_autocomplete_offers_only_readable_articles(login, page_with_pdf):
    reporter = person("reporter", "记者")
    other = person("other", "记者")
    mine = ArticleFactory(title="我的草稿稿件", status=Article.Status.DRAFT, published_at=None, created_by=reporter)
    ArticleFactory(title="别人的草稿稿件", status=Article.Status.DRAFT, published_at=None, created_by=other)
    answer = (
        login(reporter)
        .get(
            "/admin/autocomplete/",
            {"app_label": "articles", "model_name": "pageregion", "field_name": "article", "term": "草稿稿件"},
        )
        .json()
    )
    assert [r["id"] for r in answer["results"]] == [str(mine.pk)]
