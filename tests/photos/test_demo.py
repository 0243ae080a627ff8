"""Demo photos are drawn by the project itself and go through the same clean-up as an upload."""

import io

import pytest
from PIL import Image

from articles.demo.drawings import SCENES, attach_demo_photos, draw_scene
from articles.models import Photo
from articles.photos.renditions import rendition_records
from clusters.models import Cluster
from tests.factories import ArticleFactory, cluster


def test_scenes_are_deterministic_and_distinct():
    first = draw_scene("rail-transit", seed=1, size=(360, 240))
    again = draw_scene("rail-transit", seed=1, size=(360, 240))
    other = draw_scene("camellia-oil", seed=1, size=(360, 240))
    assert first.tobytes() == again.tobytes()
    assert first.tobytes() != other.tobytes()
    assert len(first.getcolors(maxcolors=100_000) or []) > 50  # a picture, not a flat colour


@pytest.mark.django_db
def test_demo_photos_cover_every_cluster_and_illustrate_articles_once(django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr("articles.demo.drawings.SIZE", (900, 600))  # the demo draws 1800×1200; smaller is quicker
    assert set(Cluster.objects.values_list("slug", flat=True)) == set(SCENES)
    article = ArticleFactory(clusters=[cluster("rail-transit"), cluster("nonferrous")])

    with django_capture_on_commit_callbacks(execute=True):
        made = attach_demo_photos(max_articles=1)
    assert made == 8 + 2
    covers = Photo.objects.filter(pk__in=Cluster.objects.values("cover_photo"))
    assert covers.count() == 8 and all(p.alt_text and p.photographer for p in covers)
    lead, gallery = article.photos.order_by("-is_lead", "position")
    assert lead.is_lead and not gallery.is_lead
    assert {lead.photographer.name, gallery.photographer.name} <= {
        "黄沐",
        "陈太仰",
        "王翟",
    }
    assert all(rendition_records(p) for p in Photo.objects.all())
    master = Image.open(io.BytesIO(lead.image.read()))
    assert master.size == (900, 600) and not master.getexif()

    with django_capture_on_commit_callbacks(execute=True):
        assert attach_demo_photos(max_articles=1) == 0
    assert Photo.objects.count() == 10


@pytest.mark.django_db
def test_the_demo_drawings_are_credited_as_drawn(client, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr("articles.demo.drawings.SIZE", (900, 600))
    with django_capture_on_commit_callbacks(execute=True):
        attach_demo_photos(max_articles=0)
    covered = Cluster.objects.select_related("cover_photo__photographer").get(slug="rail-transit")
    assert covered.cover_photo.credit_role == "制图"
    html = client.get(covered.get_absolute_url()).content.decode()
    assert f"制图 {covered.cover_photo.photographer.name}" in html
    assert f"摄影 {covered.cover_photo.photographer.name}" not in html
