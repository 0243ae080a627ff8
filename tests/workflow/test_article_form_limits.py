"""What one article may hold (issue #12, C), in the admin's article form and its inlines.

The rule: articles.models.ARTICLE_LIMITS (each a setting) are checked by the form before anything
is written — sections, credits and photos by the inlines (max_num with validate_max), paragraphs
and characters of the whole article by the sections' formset — when the text is edited; an
article already over a limit can still have its filing fixed.
"""

import pytest

from articles.models import Article, Credit, Section
from tests.factories import ContributorFactory, PageFactory, SectionFactory
from tests.workflow.conftest import draft_by
from tests.workflow.test_admin_roles import change_url, form_data

pytestmark = pytest.mark.django_db


def sections_data(article, count, *, start=0):
    """New section forms as a browser sends them: seven fields each (an unchecked DELETE is not sent)."""
    return {
        **{f"sections-{i}-id": "" for i in range(start, count)},
        **{f"sections-{i}-commentator": "" for i in range(start, count)},
        **{f"sections-{i}-commentator_title": "" for i in range(start, count)},
        **{f"sections-{i}-position": i + 1 for i in range(start, count)},
        **{f"sections-{i}-heading": f"第{i + 1}节" for i in range(start, count)},
        **{f"sections-{i}-body": "正文。" for i in range(start, count)},
        **{f"sections-{i}-article": article.pk for i in range(start, count)},
        "sections-TOTAL_FORMS": count,
    }


def test_the_article_form_refuses_more_sections_than_an_article_may_hold(as_user, users, settings):
    """Failed before the fix: the form saved any number of sections."""
    settings.ARTICLE_MAX_SECTIONS = 5
    article = draft_by(users["reporter"])  # one section
    client = as_user("reporter")
    data = form_data(article)
    data.update(sections_data(article, 6, start=1))
    response = client.post(change_url(article), data)
    assert response.status_code == 200
    assert "稿件太长：一篇最多 5 节" in response.content.decode()
    assert article.sections.count() == 1
    data.update(sections_data(article, 5, start=1))
    assert client.post(change_url(article), data).status_code == 302
    assert article.sections.count() == 5


def test_ten_thousand_sections_are_never_created(as_user, users):
    article = draft_by(users["reporter"])
    data = form_data(article)
    data.update(sections_data(article, 300, start=1))  # 300 real ones …
    data["sections-TOTAL_FORMS"] = 10_000  # … and a count of 10,000
    response = as_user("reporter").post(change_url(article), data)
    assert response.status_code in (200, 400)
    assert article.sections.count() == 1 and Section.objects.count() == 1


def test_the_whole_articles_paragraphs_and_characters_are_counted(as_user, users, settings):
    settings.ARTICLE_MAX_CHARACTERS = 100
    article = draft_by(users["reporter"])
    client = as_user("reporter")
    response = client.post(change_url(article), form_data(article, lead="长" * 101))
    assert response.status_code == 200 and "字数共" in response.content.decode()
    settings.ARTICLE_MAX_CHARACTERS, settings.ARTICLE_MAX_PARAGRAPHS = 200_000, 3
    response = client.post(change_url(article), form_data(article, lead="一。\n\n二。\n\n三。"))
    assert response.status_code == 200 and "段落共 5 段，一篇最多 3 段" in response.content.decode()
    assert Article.objects.get(pk=article.pk).lead == article.lead


def test_credits_are_limited_in_the_form(as_user, users, settings):
    settings.ARTICLE_MAX_CREDITS = 2
    article = draft_by(users["reporter"])
    people = [ContributorFactory() for _ in range(3)]
    data = form_data(article)
    for i, person in enumerate(people):
        data.update({f"credits-{i}-position": i + 1, f"credits-{i}-role": "记者", f"credits-{i}-contributor": person.pk,
                     f"credits-{i}-article": article.pk})  # fmt: skip
    data["credits-TOTAL_FORMS"] = 3
    response = as_user("reporter").post(change_url(article), data)
    assert response.status_code == 200 and "一篇稿件最多 2 个署名" in response.content.decode()
    assert Credit.objects.count() == 0


def test_an_article_already_over_a_limit_can_still_be_filed(as_user, users, settings):
    article = draft_by(users["reporter"])
    for position in range(2, 5):
        SectionFactory(article=article, position=position)
    settings.ARTICLE_MAX_SECTIONS = 2  # lowered after it was imported
    page = PageFactory()
    response = as_user("archivist").post(change_url(article), form_data(article, page=page.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Article.objects.get(pk=article.pk).page == page
    # … but its text cannot be edited without coming within the limits.
    response = as_user("reporter").post(change_url(article), form_data(article, title="改标题"))
    assert response.status_code == 200 and "最多 2 节" in response.content.decode()


def test_the_article_form_at_the_limits_is_not_refused_for_its_size(as_user, users):
    """Failed before the fix: 200 sections are a form of 1,400 fields, over Django's default 1,000
    (a 400 Bad Request), so an article at the limit could not be saved at all."""
    article = draft_by(users["reporter"])
    data = form_data(article)
    data.update(sections_data(article, 200, start=1))
    response = as_user("reporter").post(change_url(article), data)
    assert response.status_code == 302
    assert article.sections.count() == 200
