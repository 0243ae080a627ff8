"""Filing (page, position, issue, tags, clusters) of published articles, and review levels when a
change of page changes how many are needed (issue #12, A).

The rules:
- where a scheduled, published or withdrawn article is filed is changed only by those holding
  ``articles.edit_metadata`` (policy.can_edit_metadata / can_refile_frozen) — in its own form, and
  through its page (order on the page, the page's number and name) and its issue (the date) — and
  every such change gives the articles concerned a new version (caches and ETags move);
- the levels an article has passed count, after its page changes the number it needs, only as far
  as levels of the same name were passed, from the first on (policy.passed_levels): no change of
  page ever lets it skip a level.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Page, ReviewEvent
from articles.workflow import policy, services
from tests.factories import ArticleFactory, IssueFactory, PageFactory
from tests.photos.forms import form_data as page_form_data
from tests.workflow.conftest import draft_by
from tests.workflow.test_admin_roles import change_url, form_data, in_review

pytestmark = pytest.mark.django_db
Status = Article.Status


def version(article) -> int:
    return Article.objects.get(pk=article.pk).version


# --- who refiles published articles, and the version ------------------------------------------


def test_the_order_on_a_page_of_a_published_article_is_the_archivists_not_an_editors(as_user, users):
    """Failed before the fix: an editor reordered published articles on the page admin, and their
    versions stayed the same."""
    page = PageFactory()
    article = ArticleFactory(page=page, position=1, created_by=users["reporter"])
    url = reverse("admin:articles_page_change", args=[page.pk])
    editor = as_user("editor")
    data = page_form_data(editor.get(url).content.decode(), form_id="page_form")
    data["articles-0-position"] = "7"
    response = editor.post(url, data)
    assert response.status_code in (200, 403)
    assert Article.objects.get(pk=article.pk).position == 1 and version(article) == article.version

    archivist = as_user("archivist")
    data = page_form_data(archivist.get(url).content.decode(), form_id="page_form")
    data["articles-0-position"] = "7"
    assert archivist.post(url, data).status_code == 302
    moved = Article.objects.get(pk=article.pk)
    assert moved.position == 7 and moved.version == article.version + 1
    assert moved.title == article.title and moved.status == Status.PUBLISHED


def test_an_editor_still_orders_the_drafts_in_review_on_a_page(as_user, users):
    page = PageFactory()
    article = in_review(users)
    Article.objects.filter(pk=article.pk).update(page=page, position=1)
    url = reverse("admin:articles_page_change", args=[page.pk])
    client = as_user("editor")
    data = page_form_data(client.get(url).content.decode(), form_id="page_form")
    data["articles-0-position"] = "3"
    assert client.post(url, data).status_code == 302
    assert Article.objects.get(pk=article.pk).position == 3


def test_renumbering_a_page_or_redating_an_issue_with_published_articles_is_the_archivists(as_user, users):
    """Failed before the fix: an editor renumbered the page of published articles (their e-paper
    address changed) and no article got a new version."""
    page = PageFactory(number="A04", name="两会特刊")
    article = ArticleFactory(page=page, created_by=users["reporter"])
    editor, archivist = as_user("editor"), as_user("archivist")
    url = reverse("admin:articles_page_change", args=[page.pk])
    html = editor.get(url).content.decode()
    assert 'name="number"' not in html  # shown, not editable
    editor.post(url, {**page_form_data(html, form_id="page_form"), "number": "A05"})
    assert Page.objects.get(pk=page.pk).number == "A04"

    data = page_form_data(archivist.get(url).content.decode(), form_id="page_form")
    assert archivist.post(url, {**data, "number": "A05"}).status_code == 302
    assert Page.objects.get(pk=page.pk).number == "A05" and version(article) == article.version + 1

    issue = page.issue
    url = reverse("admin:articles_issue_change", args=[issue.pk])
    html = editor.get(url).content.decode()
    assert 'name="date"' not in html
    data = page_form_data(html, form_id="issue_form")
    data["pages-0-name"] = "改过的版名"
    response = editor.post(url, data)
    assert response.status_code == 200 and "有已发布、待发布或已撤稿的稿件" in response.content.decode()
    assert Page.objects.get(pk=page.pk).name == "两会特刊"

    data = page_form_data(archivist.get(url).content.decode(), form_id="issue_form")
    new_date = issue.date + datetime.timedelta(days=1)
    assert archivist.post(url, {**data, "date": new_date.isoformat()}).status_code == 302
    assert version(article) == article.version + 2


def test_an_issue_without_published_articles_stays_the_desks(as_user, users):
    page = PageFactory()
    draft_by(users["reporter"], page=page)
    url = reverse("admin:articles_issue_change", args=[page.issue.pk])
    client = as_user("editor")
    data = page_form_data(client.get(url).content.decode(), form_id="issue_form")
    data.update({"pages-TOTAL_FORMS": "2", "pages-1-number": "B01", "pages-1-name": "新增版面"})
    assert client.post(url, data).status_code == 302
    assert page.issue.pages.count() == 2


def test_filing_in_the_article_form_is_edit_metadata_only_and_gives_a_new_version(as_user, users):
    article = in_review(users, 3)
    services.article_publish(article=article, user=users["chief"])
    article.refresh_from_db()
    page = PageFactory()
    # An editor (no edit_metadata) cannot open a published article for change at all.
    response = as_user("editor").post(change_url(article), form_data(article, page=page.pk, tags="两会"))
    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).page_id is None
    response = as_user("archivist").post(change_url(article), form_data(article, page=page.pk, tags="两会"))
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).page_id == page.pk and version(article) == article.version + 1


# --- review levels when the page changes --------------------------------------------------------


@pytest.fixture
def web_only_one_level(settings):
    settings.ARTICLE_REVIEW_LEVELS = 3
    settings.ARTICLE_REVIEW_LEVELS_WEB_ONLY = 1


def test_a_web_only_piece_passed_at_one_level_moved_onto_a_page_waits_for_the_levels_it_has_not_passed(
    users, web_only_one_level
):
    """Passed 终审 as a one-level web-only piece, then put on a page needing three levels: before
    the fix it stood at 'level 1 of 3' as if 初审 had been passed; it never had one."""
    article = draft_by(users["reporter"])
    services.article_submit(article=article, user=users["reporter"])
    services.article_pass_review(article=article, user=users["chief"])
    article.refresh_from_db()
    assert policy.is_fully_reviewed(article)
    article.page = PageFactory()
    article.save()
    assert policy.review_state(article) == "待初审"
    assert policy.passed_levels(article) == 0
    with pytest.raises(policy.TransitionRefused, match="初审、复审、终审"):
        policy.check_publish(users["chief"], article)
    # 复审 and 终审 again, each by a different person — the chief may pass 终审 a second time.
    for who in ("editor", "head", "chief"):
        services.article_pass_review(article=article, user=users[who])
    article.refresh_from_db()
    assert policy.is_fully_reviewed(article)
    services.article_publish(article=article, user=users["chief"])


def test_a_piece_half_way_through_three_levels_moved_to_the_web_still_needs_its_final_review(users, web_only_one_level):
    """The other direction: 初审 and 复审 passed on a page, then made web-only (one level: 终审).
    Failed before the fix: review_level 2 ≥ 1 counted as fully reviewed and it could be published."""
    article = in_review(users, 0)
    Article.objects.filter(pk=article.pk).update(page=PageFactory())
    article.refresh_from_db()
    services.article_pass_review(article=article, user=users["editor"])
    services.article_pass_review(article=article, user=users["head"])
    article.refresh_from_db()
    article.page = None
    article.save()
    assert policy.next_level(article) == 1 and policy.review_state(article) == "待终审"
    assert policy.passed_levels(article) == 0
    with pytest.raises(policy.TransitionRefused, match="终审"):
        services.article_publish(article=article, user=users["chief"])
    services.article_pass_review(article=article, user=users["chief"])
    services.article_publish(article=article, user=users["chief"])


def test_levels_of_the_same_name_still_count(users, settings):
    settings.ARTICLE_REVIEW_LEVELS, settings.ARTICLE_REVIEW_LEVELS_WEB_ONLY = 3, 2
    article = in_review(users, 0)
    Article.objects.filter(pk=article.pk).update(page=PageFactory())
    article.refresh_from_db()
    services.article_pass_review(article=article, user=users["editor"])  # 初审 of three
    article.refresh_from_db()
    article.page = None  # two levels: 初审, 终审
    assert policy.review_state(article) == "待终审" and policy.passed_levels(article) == 1
    article.review_level, article.review_levels = 3, 3  # all three passed
    assert policy.passed_levels(article) == 2  # 初审 and 终审 of two
    article.review_level = 2  # 初审, 复审: no 终审
    assert policy.passed_levels(article) == 1


def test_moving_a_piece_in_review_in_the_admin_records_why_it_waits_again(as_user, users, web_only_one_level):
    article = draft_by(users["reporter"])
    services.article_submit(article=article, user=users["reporter"])
    services.article_pass_review(article=article, user=users["chief"])
    article.refresh_from_db()
    page = PageFactory()
    response = as_user("head").post(change_url(article), form_data(article, page=page.pk), follow=True)
    assert "需重新初审、复审、终审" in response.content.decode()
    article.refresh_from_db()
    assert (article.page_id, article.review_level, article.review_levels) == (page.pk, 0, 3)
    assert ReviewEvent.objects.filter(article=article, action="reopen").exists()


def test_a_scheduled_piece_cannot_move_where_it_would_need_levels_it_has_not_passed(as_user, users, web_only_one_level):
    """Scheduled articles appear by themselves: moved onto a page needing three levels it would
    have appeared with one. Failed before the fix (the move was saved and it stayed scheduled)."""
    article = draft_by(users["reporter"])
    services.article_submit(article=article, user=users["reporter"])
    services.article_pass_review(article=article, user=users["chief"])
    services.article_schedule(
        article=article, user=users["chief"], publish_at=timezone.now() + datetime.timedelta(hours=3)
    )
    article.refresh_from_db()
    page = PageFactory()
    response = as_user("chief").post(change_url(article), form_data(article, page=page.pk))
    assert response.status_code == 200 and "请先把它恢复为草稿重新送审" in response.content.decode()
    assert Article.objects.get(pk=article.pk).page_id is None
    # However it got there (a page deleted, a setting changed), publishing early is refused too.
    Article.objects.filter(pk=article.pk).update(page=page)
    article.refresh_from_db()
    with pytest.raises(policy.TransitionRefused, match="恢复为草稿"):
        policy.check_publish(users["chief"], article)


def test_a_scheduled_piece_moves_freely_between_pages_needing_the_same_levels(as_user, users):
    article = in_review(users, 3)
    Article.objects.filter(pk=article.pk).update(page=PageFactory())
    services.article_schedule(
        article=article, user=users["chief"], publish_at=timezone.now() + datetime.timedelta(hours=3)
    )
    article.refresh_from_db()
    other = PageFactory(issue=IssueFactory())
    assert as_user("chief").post(change_url(article), form_data(article, page=other.pk)).status_code == 302
    assert Article.objects.get(pk=article.pk).page_id == other.pk
    policy.check_publish(users["chief"], Article.objects.get(pk=article.pk))
