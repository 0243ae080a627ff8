"""A locked (read-only) article form offers no "添加另一个" link (issue #13, item 5).

The link is drawn by the admin's inlines.js whenever a formset's MAX_NUM_FORMS is above its
TOTAL_FORMS; on a locked form nothing added could be saved, so there must be no room for a row.
"""

import re

import pytest
from django.urls import reverse

from articles.models import Article
from tests.factories import ArticleFactory, SectionFactory
from tests.workflow.conftest import draft_by

pytestmark = pytest.mark.django_db


def room_to_add(page: str) -> dict[str, bool]:
    """{inline prefix: whether inlines.js would draw an add link}."""
    rooms = {}
    for prefix in ("sections", "credits", "photos"):
        total = re.search(rf'name="{prefix}-TOTAL_FORMS" value="(\d+)"', page)
        maximum = re.search(rf'name="{prefix}-MAX_NUM_FORMS" value="(\d*)"', page)
        if total and maximum:
            rooms[prefix] = maximum.group(1) == "" or int(maximum.group(1)) > int(total.group(1))
    return rooms


def change_page(client, article) -> str:
    return client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()


@pytest.mark.parametrize("who", ["chief", "archivist"])
def test_a_published_articles_form_has_no_add_links(as_user, users, who):
    article = ArticleFactory(status=Article.Status.PUBLISHED, created_by=users["reporter"])
    SectionFactory(article=article, position=1)
    rooms = room_to_add(change_page(as_user(who), article))
    assert rooms and not any(rooms.values()), rooms


def test_an_open_draft_keeps_them(as_user, users):
    article = draft_by(users["reporter"])
    rooms = room_to_add(change_page(as_user("reporter"), article))
    assert rooms and all(rooms.values()), rooms
