"""The workflow panel says why the next step is not this person's, and whose it is (issue #13, item 2)."""

import html
import re

import pytest
from django.urls import reverse

from articles.workflow import services
from tests.workflow.conftest import draft_by

pytestmark = pytest.mark.django_db


def in_review(users, passed_by=()):
    article = draft_by(users["reporter"])
    services.article_submit(article=article, user=users["reporter"])
    for who in passed_by:
        services.article_pass_review(article=article, user=users[who])
    article.refresh_from_db()
    return article


def panel(client, article) -> str:
    page = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    match = re.search(r'<div class="workflow-panel" id="workflow-panel">(.*?)</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))


def test_a_head_who_passed_the_first_level_is_told_another_must_pass_the_second(users, as_user):
    article = in_review(users, ["head"])
    text = panel(as_user("head"), article)
    assert "退回修改" in text
    assert "复审须由另一位部门主任或总编辑完成" in text
    assert "您已经通过了这篇稿件的初审" in text


def test_an_editor_is_told_whose_level_it_is(users, as_user):
    article = in_review(users, ["head"])
    text = panel(as_user("editor"), article)
    assert "您没有复审权限" in text and "复审须由部门主任或总编辑完成" in text


def test_the_final_level_names_the_editor_in_chief(users, as_user):
    article = in_review(users, ["editor", "head"])
    assert "终审须由总编辑完成" in panel(as_user("head"), article)


def test_who_can_take_the_step_sees_no_explanation(users, as_user):
    article = in_review(users, ["editor"])
    text = panel(as_user("head"), article)
    assert "复审通过" in text and "须由" not in text


def test_a_fully_reviewed_piece_waits_for_the_chief(users, as_user):
    article = in_review(users, ["editor", "head", "chief"])
    assert "等待总编辑签发" in panel(as_user("head"), article)
    assert "签发。" not in panel(as_user("chief"), article)


def test_the_trail_shows_the_level_passed_not_the_unchanged_status(users, as_user):
    article = in_review(users, ["editor"])
    page = as_user("chief").get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    trail = page[page.index('id="review-trail"') :]
    assert "审核中 → 审核中" not in trail
    assert "草稿 → 审核中" in trail
    assert trail.count("初审通过") >= 2  # the step and where it left the piece
