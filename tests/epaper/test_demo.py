"""The demo's e-paper: load_demo draws each demo page and the regions of its articles."""

import pytest
from django.core.management import call_command

from articles.demo import pages as demo_pages
from articles.epaper.renditions import rendition_records
from articles.models import Article, Page, PageRegion
from tests.factories import ArticleFactory, PageFactory

pytestmark = pytest.mark.django_db


def test_load_demo_gives_every_demo_page_an_image_and_regions(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--no-photos", "--no-accounts")
    pages = Page.objects.all()
    assert pages.count() == 5
    for page in pages:
        assert page.image and (page.image_width, page.image_height) == (demo_pages.WIDTH, demo_pages.HEIGHT)
        assert rendition_records(page)
        on_page = set(Article.objects.filter(page=page).values_list("pk", flat=True))
        assert set(page.regions.values_list("article_id", flat=True)) == on_page
        for region in page.regions.all():
            region.clean()  # inside the page, a real outline
    # Again: nothing new, nothing redrawn.
    before = sorted(Page.objects.values_list("image", flat=True)), PageRegion.objects.count()
    call_command("load_demo", "--no-photos", "--no-accounts")
    assert (sorted(Page.objects.values_list("image", flat=True)), PageRegion.objects.count()) == before


def test_a_page_with_several_articles_gets_one_block_each(monkeypatch):
    monkeypatch.setattr(demo_pages, "cjk_font_path", lambda: None)  # blocks only, as without a font
    page = PageFactory(number="A01")
    articles = [ArticleFactory(page=page, position=n) for n in range(4)]
    images, regions = demo_pages.make_demo_pages([page])
    assert (images, regions) == (1, 4)
    shapes = [r.bounds() for r in page.regions.order_by("position")]
    assert [r.article_id for r in page.regions.order_by("position")] == [a.pk for a in articles]
    for n, (left, top, right, bottom) in enumerate(shapes):
        assert 0 <= left < right <= 1 and 0 <= top < bottom <= 1
        for other in shapes[n + 1 :]:  # blocks do not overlap (beyond their padding)
            assert (
                other[0] >= right - 0.02
                or other[2] <= left + 0.02
                or other[1] >= bottom - 0.02
                or other[3] <= top + 0.02
            )


def test_the_font_is_used_only_when_it_draws_chinese():
    # DejaVu has no Chinese: never taken for a CJK font.
    assert not demo_pages._draws_chinese("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    assert not demo_pages._draws_chinese("/nonexistent.ttf")
