"""No admin page shows a reporter what the article list hides (issue #12, A).

The rule: every admin list, inline and choice that names articles shows only those of
articles.selectors.articles_for(user) — for a reporter, their own pieces and what readers see;
never the title or a heading of someone else's draft or piece in review.
"""

import io

import pytest
from django.urls import reverse

from articles.models import Photo
from articles.photos.images import clean_image
from tests.factories import CommentatorFactory, ContributorFactory, CreditFactory, PageFactory, SectionFactory
from tests.photos import images
from tests.workflow.conftest import draft_by

pytestmark = pytest.mark.django_db

SECRET_TITLE = "尚未见报的独家稿件"
SECRET_HEADING = "独家小标题"


@pytest.fixture
def secret(users):
    """Another reporter's draft on a page, with a commentator, a credit and a photo."""
    page = PageFactory()
    article = draft_by(users["reporter2"], title=SECRET_TITLE, page=page)
    commentator = CommentatorFactory(name="夏君山")
    SectionFactory(article=article, position=2, heading=SECRET_HEADING, commentator=commentator)
    contributor = ContributorFactory(name="罗文鹏")
    CreditFactory(article=article, contributor=contributor)
    upload = clean_image(io.BytesIO(images.encode(images.picture(), "JPEG"))).as_upload()
    photo = Photo.objects.create(image=upload, article=article, alt_text="独家图片", caption="独家图片说明")
    return {"article": article, "page": page, "commentator": commentator, "contributor": contributor, "photo": photo}


def pages_seen_by(client, secret) -> dict[str, str]:
    urls = {
        "page": reverse("admin:articles_page_change", args=[secret["page"].pk]),
        "commentator": reverse("admin:articles_commentator_change", args=[secret["commentator"].pk]),
        "contributor": reverse("admin:articles_contributor_change", args=[secret["contributor"].pk]),
        "photos": reverse("admin:articles_photo_changelist"),
    }
    seen = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        seen[name] = response.content.decode()
    for source, field, term in (("commentator", "photo", "独家"), ("photo", "article", "")):
        found = client.get(
            reverse("admin:autocomplete"),
            {"app_label": "articles", "model_name": source, "field_name": field, "term": term},
        ).json()
        seen[f"{source}.{field} autocomplete"] = " ".join(item["text"] for item in found["results"])
    return seen


def test_a_reporter_sees_no_title_or_heading_of_another_reporters_draft(as_user, secret):
    """Failed before the fix: the page, commentator and contributor pages listed the draft's title
    and heading, and the photo list its title and caption."""
    for name, html in pages_seen_by(as_user("reporter"), secret).items():
        assert SECRET_TITLE not in html, name
        assert SECRET_HEADING not in html, name
        assert "独家图片" not in html, name


def test_desks_and_archivists_see_them_as_in_the_article_list(as_user, secret):
    for role in ("editor", "archivist"):
        seen = pages_seen_by(as_user(role), secret)
        assert SECRET_TITLE in seen["page"] and SECRET_TITLE in seen["commentator"]
        assert SECRET_HEADING in seen["commentator"] and SECRET_TITLE in seen["contributor"]
        assert SECRET_TITLE in seen["photos"] and "独家图片" in seen["commentator.photo autocomplete"]


def test_the_author_sees_their_own(as_user, secret):
    seen = pages_seen_by(as_user("reporter2"), secret)
    assert SECRET_TITLE in seen["page"] and SECRET_HEADING in seen["commentator"]
    assert SECRET_TITLE in seen["photos"]
    # The article may be chosen for a new photo … by its author.
    assert SECRET_TITLE in seen["photo.article autocomplete"]
