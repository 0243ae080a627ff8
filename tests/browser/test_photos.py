"""On a phone-sized screen the article page loads a rendition of its photo, never the original."""

import io

import pytest

from articles.models import Photo
from articles.photos.images import clean_image
from tests.factories import ArticleFactory, ContributorFactory
from tests.photos import images

# serialized_rollback: the eight clusters come from a data migration and must survive the flush.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_article_page_loads_a_rendition_on_a_375_pixel_screen(live_server, phone_page):
    phone = phone_page  # 375 CSS pixels wide at 2× density (tests/browser/conftest.py)
    article = ArticleFactory(title="比亚迪轨道交通产业园建设提速")
    upload = clean_image(io.BytesIO(images.camera_jpeg((2400, 1600)))).as_upload()
    # Outside a test transaction the renditions are made as the save commits, as in production.
    photo = Photo.objects.create(
        article=article,
        is_lead=True,
        image=upload,
        alt_text="园区里新建的厂房",
        caption="比亚迪轨道交通智能制造产业园",
        photographer=ContributorFactory(name="黄沐"),
    )
    photo.refresh_from_db()
    assert photo.renditions["items"], "renditions are made when the photo is saved"

    requested, images_loaded = [], {}
    phone.on("request", lambda request: requested.append(request.url))
    phone.on(
        "response",
        lambda response: images_loaded.update({response.url: (response.status, response.header_value("content-type"))}),
    )
    phone.goto(f"{live_server.url}{article.get_absolute_url()}")
    lead = phone.locator("figure.photo img").first
    lead.scroll_into_view_if_needed()
    phone.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=lead.element_handle())

    current = lead.evaluate("img => img.currentSrc")
    assert current.endswith("-800w.webp"), current  # 375 CSS pixels × 2 = 750 device pixels
    assert images_loaded[current] == (200, "image/webp")
    assert not any(url.endswith(photo.image.name) for url in requested), "the original was downloaded"

    box = lead.bounding_box()
    assert box["width"] <= 375 and abs(box["height"] - box["width"] * 1600 / 2400) < 2
    assert "摄影 黄沐" in phone.locator("figure.photo figcaption").first.inner_text()
