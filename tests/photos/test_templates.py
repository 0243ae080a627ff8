"""includes/photo.html: renditions in srcset, no layout shift, lazy below the fold, the 摄影 credit."""

import re

import pytest
from django.template.loader import render_to_string

from articles.models import Photo
from tests.factories import ArticleFactory, ContributorFactory
from tests.photos.conftest import media_files

pytestmark = pytest.mark.django_db


def render(photo, **context):
    return render_to_string("includes/photo.html", {"photo": photo, **context})


def attribute(html, tag, name):
    found = re.search(rf"<{tag}\b[^>]*\b{name}=\"([^\"]*)\"", html)
    return found and found.group(1)


def test_renditions_fill_srcset_with_webp_first_and_jpeg_fallback(make_photo):
    photo = make_photo(
        size=(2000, 1333),
        photographer=ContributorFactory(name="黄沐"),
        caption="园区一角",
    )
    html = render(photo)
    webp = attribute(html, "source", "srcset")
    jpeg = attribute(html, "img", "srcset")
    assert attribute(html, "source", "type") == "image/webp"
    assert re.findall(r" (\d+)w", webp) == ["400", "800", "1200", "1600"]
    assert all(".webp " in part for part in webp.split(", "))
    assert all(".jpg " in part for part in jpeg.split(", "))
    assert attribute(html, "img", "src").endswith("-800w.jpg")
    assert photo.image.url not in html  # the master is never what the page loads
    assert (attribute(html, "img", "width"), attribute(html, "img", "height")) == (
        "1600",
        "1066",
    )
    assert attribute(html, "img", "sizes") == attribute(html, "source", "sizes")
    assert "<figcaption>" in html and "园区一角" in html
    assert re.search(r'class="photo-credit">摄影 黄沐<', html)


def test_lazy_below_the_fold_and_eager_for_the_lead(make_photo):
    article = ArticleFactory()
    lead = make_photo(size=(500, 400), article=article, is_lead=True)
    gallery = make_photo(size=(500, 400), article=article, position=1)

    assert attribute(render(lead), "img", "loading") == "eager"
    assert attribute(render(lead), "img", "fetchpriority") == "high"
    assert attribute(render(gallery), "img", "loading") == "lazy"
    assert "fetchpriority" not in render(gallery)
    # The including page knows better: a cover at the top, a lead photo further down.
    assert attribute(render(gallery, above_fold=True), "img", "loading") == "eager"
    assert attribute(render(lead, above_fold=False), "img", "loading") == "lazy"
    assert attribute(render(lead, sizes="100vw"), "img", "sizes") == "100vw"


def test_text_is_escaped(make_photo):
    photo = make_photo(
        size=(400, 300),
        caption='<script>alert("说明")</script>',
        alt_text='"><img src=x onerror=alert(1)>',
        photographer=ContributorFactory(name="<b>王翟</b>"),
    )
    html = render(photo)
    assert "<script>" not in html and "onerror=alert(1)>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "摄影 &lt;b&gt;王翟&lt;/b&gt;" in html


def test_no_credit_without_a_photographer_and_no_figcaption_without_text(make_photo):
    html = render(make_photo(size=(400, 300)))
    assert "摄影" not in html and "<figcaption>" not in html


def test_without_renditions_the_master_is_shown_with_its_size(make_photo):
    photo = make_photo(size=(640, 480))
    Photo.objects.filter(pk=photo.pk).update(renditions={})
    photo.refresh_from_db()
    html = render(photo)
    assert attribute(html, "img", "src") == photo.image.url
    assert (attribute(html, "img", "width"), attribute(html, "img", "height")) == (
        "640",
        "480",
    )
    assert "<source" not in html and "srcset" not in html


def test_nothing_is_rendered_without_a_photo():
    assert render(None).strip() == ""


def test_showing_a_photo_costs_no_query(make_photo, django_assert_num_queries):
    make_photo(size=(500, 400), photographer=ContributorFactory(name="陈太仰"))
    photo = Photo.objects.select_related("photographer").get()
    with django_assert_num_queries(0):
        assert "摄影 陈太仰" in render(photo)


def test_photo_url_picks_a_rendition_for_feeds_and_sharing(make_photo):
    from django.template import Context, Template

    photo = make_photo(size=(2000, 1333))
    html = Template("{% load photos %}{% photo_url photo 1200 %}|{% photo_url photo 99999 'webp' %}").render(
        Context({"photo": photo})
    )
    assert html.split("|")[0].endswith("-1200w.jpg") and html.split("|")[1].endswith("-1600w.webp")


def test_the_article_page_shows_the_lead_photo_and_the_gallery_with_credits(client, make_photo, settings):
    article = ArticleFactory()
    make_photo(
        size=(900, 600),
        article=article,
        is_lead=True,
        caption="题图说明",
        photographer=ContributorFactory(name="黄沐"),
    )
    make_photo(
        size=(900, 600),
        article=article,
        position=1,
        caption="组图说明",
        photographer=ContributorFactory(name="王翟"),
    )
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<source type="image/webp"') == 2
    assert "摄影 黄沐" in html and "摄影 王翟" in html
    assert html.index("题图说明") < html.index("组图说明")
    assert len(media_files(settings)) == 2 * 7


def test_the_cluster_page_shows_its_cover_photo(client, make_photo):
    from clusters.models import Cluster

    cluster = Cluster.objects.get(slug="tourism")
    cluster.cover_photo = make_photo(
        size=(900, 600),
        caption="南岳衡山",
        photographer=ContributorFactory(name="陈太仰"),
    )
    cluster.save()
    html = client.get(cluster.get_absolute_url()).content.decode()
    assert "南岳衡山" in html and "摄影 陈太仰" in html
    assert attribute(html, "img", "sizes") == "(min-width: 41rem) 330px, 100vw"
    assert re.search(r'srcset="[^"]*-900w\.webp 900w"', html)


def test_a_drawing_is_credited_as_drawn_not_photographed(make_photo):
    photo = make_photo(photographer=ContributorFactory(name="黄沐"), credit_role="制图")
    html = render(photo)
    assert re.search(r'class="photo-credit">制图 黄沐<', html) and "摄影" not in html
