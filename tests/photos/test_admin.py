"""Photos in the admin: uploaded through the article (lead + ordered gallery) and on their own."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from articles.models import Article, Photo
from articles.photos.renditions import rendition_records
from tests.factories import ArticleFactory, ContributorFactory
from tests.photos import images
from tests.photos.conftest import media_files
from tests.photos.forms import form_data

pytestmark = pytest.mark.django_db


def article_post(client, article, photos):
    """The article's change form as the browser would send it, with photo forms added."""
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = form_data(client.get(url).content.decode(), form_id="article_form")
    existing = int(data.get("photos-TOTAL_FORMS", 0))
    for offset, fields in enumerate(photos):
        for name, value in fields.items():
            if value is not None:
                data[f"photos-{existing + offset}-{name}"] = value
    data["photos-TOTAL_FORMS"] = str(existing + len(photos))
    data["_continue"] = "保存并继续编辑"
    return client.post(url, data)


def photo_fields(
    content,
    *,
    name="DSC_0001.JPG",
    lead=False,
    position=0,
    alt="厂房外景",
    photographer=None,
):
    return {
        "image": images.upload(content, name=name),
        "is_lead": "on" if lead else None,
        "position": str(position),
        "caption": "松木经开区的新厂房",
        "alt_text": alt,
        "photographer": str(photographer.pk) if photographer else "",
    }


def test_a_lead_photo_and_a_gallery_are_uploaded_through_the_article(
    staff_client, settings, django_capture_on_commit_callbacks
):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    huang = ContributorFactory(name="黄沐")
    with django_capture_on_commit_callbacks(execute=True):
        response = article_post(
            staff_client,
            article,
            [
                photo_fields(
                    images.camera_jpeg((1200, 800), orientation=6),
                    lead=True,
                    photographer=huang,
                ),
                photo_fields(
                    images.encode(images.picture((700, 500)), "PNG"),
                    name="图表.png",
                    position=2,
                ),
                photo_fields(
                    images.encode(images.picture((600, 400)), "WEBP"),
                    name="x.webp",
                    position=1,
                ),
            ],
        )
    assert response.status_code == 302, response.content.decode()[:3000]

    lead, *gallery = article.photos.order_by("-is_lead", "position")
    assert lead.is_lead and lead.photographer == huang and (lead.width, lead.height) == (800, 1200)
    assert [p.image.name.rsplit(".", 1)[1] for p in gallery] == ["webp", "png"]
    stored = lead.image.storage.open(lead.image.name).read()
    assert images.SERIAL.encode() not in stored and not Image.open(io.BytesIO(stored)).getexif()
    assert "DSC_0001" not in lead.image.name  # the camera's file name is not published either
    assert all(rendition_records(p) for p in [lead, *gallery])
    assert media_files(settings) == {
        name for p in [lead, *gallery] for name in [p.image.name, *(r["name"] for r in rendition_records(p))]
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (images.truncated_jpeg, "图片文件已损坏或不完整"),
        (lambda: images.png_bomb(9_000), "图片尺寸过大（9000×9000"),
        (lambda: images.HEIC_HEADER, "不支持 HEIC/HEIF 格式"),
        (lambda: b"not an image at all", "这不是可识别的图片文件"),
    ],
    ids=["truncated", "bomb", "heic", "text"],
)
def test_a_rejected_upload_leaves_nothing_behind(staff_client, settings, content, message):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, title="原标题")
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = form_data(staff_client.get(url).content.decode(), form_id="article_form")
    data["title"] = "改过的标题"
    data.update({f"photos-0-{k}": v for k, v in photo_fields(content()).items() if v is not None})
    data["photos-TOTAL_FORMS"] = "1"
    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Photo.objects.count() == 0
    assert Article.objects.get(pk=article.pk).title == "原标题"
    assert media_files(settings) == set()


def test_alt_text_is_required(staff_client, settings):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    response = article_post(
        staff_client,
        article,
        [photo_fields(images.encode(images.picture(), "JPEG"), alt="")],
    )
    assert response.status_code == 200
    assert "请填写替代文字" in response.content.decode()
    assert Photo.objects.count() == 0 and media_files(settings) == set()


def test_only_one_lead_photo_per_article(staff_client, settings):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    jpeg = images.encode(images.picture(), "JPEG")
    response = article_post(
        staff_client,
        article,
        [photo_fields(jpeg, lead=True), photo_fields(jpeg, lead=True, position=1)],
    )
    assert response.status_code == 200
    assert "一篇稿件只能有一张题图" in response.content.decode()
    assert Photo.objects.count() == 0 and media_files(settings) == set()


def test_the_photo_form_offers_photographer_autocomplete_and_accepts_only_images(
    staff_client,
):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    html = staff_client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert 'name="photos-__prefix__-photographer"' in html
    assert 'data-model-name="photo"' in html or "admin-autocomplete" in html
    assert 'accept="image/jpeg,image/png,image/webp,image/gif"' in html
    assert "去掉拍摄地点（GPS）" in html

    ContributorFactory(name="黄沐")
    ContributorFactory(name="王翟")
    found = staff_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "articles",
            "model_name": "photo",
            "field_name": "photographer",
            "term": "黄",
        },
    ).json()
    assert [item["text"] for item in found["results"]] == ["黄沐"]


def test_a_photo_is_replaced_in_the_admin_and_its_old_files_go(
    staff_client, settings, django_capture_on_commit_callbacks
):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        article_post(
            staff_client,
            article,
            [photo_fields(images.encode(images.picture((900, 600)), "JPEG"), lead=True)],
        )
    photo = Photo.objects.get()
    old_files = media_files(settings)

    url = reverse("admin:articles_article_change", args=[article.pk])
    data = form_data(staff_client.get(url).content.decode(), form_id="article_form")
    data["photos-0-image"] = images.upload(images.encode(images.picture((1000, 700)), "JPEG"), name="new.jpg")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, {**data, "_continue": "1"})
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.width == 1000 and {r["width"] for r in rendition_records(photo)} == {
        400,
        800,
        1000,
    }
    assert not old_files & media_files(settings)


def test_the_photo_library_validates_uploads_too(staff_client, settings, django_capture_on_commit_callbacks):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # uploads arrive as temporary files, as large ones do
    url = reverse("admin:articles_photo_add")
    bad = staff_client.post(
        url,
        {
            "image": images.upload(images.truncated_jpeg()),
            "alt_text": "封面",
            "position": "0",
        },
    )
    assert bad.status_code == 200 and "图片文件已损坏或不完整" in bad.content.decode()
    assert media_files(settings) == set()

    with django_capture_on_commit_callbacks(execute=True):
        good = staff_client.post(
            url,
            {
                "image": images.upload(images.camera_jpeg((800, 600))),
                "alt_text": "南岳衡山",
                "position": "0",
            },
        )
    assert good.status_code == 302
    photo = Photo.objects.get()
    assert photo.article is None and len(rendition_records(photo)) == 4
    assert images.SERIAL.encode() not in photo.image.read()
