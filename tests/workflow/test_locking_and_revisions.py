"""No lost edits: optimistic locking with two clients, and revisions (list, compare, restore)."""

import re

import pytest
from django.urls import reverse
from reversion.models import Version

from articles.models import Article
from articles.workflow import services
from clusters.models import Cluster
from tests.workflow.conftest import draft_by
from tests.workflow.test_admin_roles import change_url, form_data, in_review

pytestmark = pytest.mark.django_db


def hidden_version(html: str) -> str:
    return re.search(r'name="expected_version" value="(\d+)"', html).group(1)


def test_the_second_of_two_saves_is_refused_and_keeps_its_text(as_user, users):
    article = in_review(users)
    first, second = as_user("editor"), as_user("editor2")
    opened = {c: hidden_version(c.get(change_url(article)).content.decode()) for c in (first, second)}
    assert opened[first] == opened[second] == str(article.version)

    data = form_data(article, title="张编辑改的标题")
    assert first.post(change_url(article), {**data, "expected_version": opened[first]}).status_code == 302

    data = form_data(article, title="赵编辑改的标题", lead="赵编辑重写的导语。")
    response = second.post(change_url(article), {**data, "expected_version": opened[second]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "保存失败" in page and "张编辑" in page
    assert re.search(r"于\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}保存", page)
    # Their text is still in the form, ready to merge …
    assert 'value="赵编辑改的标题"' in page and "赵编辑重写的导语。" in page
    # … and nothing was overwritten.
    article.refresh_from_db()
    assert article.title == "张编辑改的标题" and article.lead != "赵编辑重写的导语。"

    # After merging, saving again from the same form (which now carries the newer version) works.
    newer = hidden_version(page)
    assert newer == str(article.version)
    merged = form_data(article, title="合并后的标题")
    assert second.post(change_url(article), {**merged, "expected_version": newer}).status_code == 302
    assert Article.objects.get(pk=article.pk).title == "合并后的标题"


def test_a_transition_between_opening_and_saving_also_refuses_the_save(as_user, users):
    article = in_review(users)
    client = as_user("head")
    opened = hidden_version(client.get(change_url(article)).content.decode())
    services.article_pass_review(article=article, user=users["editor"])  # someone passes 初审 meanwhile
    response = client.post(
        change_url(article),
        {**form_data(article, title="晚了一步"), "expected_version": opened},
    )
    assert response.status_code == 200 and "张编辑" in response.content.decode()
    assert Article.objects.get(pk=article.pk).title != "晚了一步"


def test_a_save_without_a_version_is_refused(as_user, users):
    article = draft_by(users["reporter"])
    data = form_data(article, title="没有版本号")
    del data["expected_version"]
    response = as_user("reporter").post(change_url(article), data)
    assert response.status_code == 200 and "保存失败" in response.content.decode()
    assert Article.objects.get(pk=article.pk).title != "没有版本号"


def edit(client, article, **changes):
    article.refresh_from_db()
    response = client.post(change_url(article), form_data(article, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()


def test_revisions_are_listed_compared_and_restored(as_user, users):
    article = draft_by(users["reporter"], title="原标题", lead="第一段原文。\n\n第二段不变。")
    reporter = as_user("reporter")
    edit(reporter, article, title="原标题")  # first saved revision: the text as written
    edit(
        reporter,
        article,
        title="新标题",
        lead="第一段改过的文字。\n\n第二段不变。\n\n新加的第三段。",
    )
    versions = list(Version.objects.get_for_object(article).order_by("pk"))
    assert len(versions) == 2
    # The revision holds the sections too.
    assert any(v.content_type.model == "section" for v in versions[0].revision.version_set.all())

    listing = reporter.get(reverse("admin:articles_article_revisions", args=[article.pk]))
    assert listing.status_code == 200 and "李记者" in listing.content.decode()

    compare = reporter.get(
        reverse("admin:articles_article_revisions_compare", args=[article.pk]),
        {"old": versions[0].pk, "new": versions[1].pk},
    )
    page = compare.content.decode()
    assert "<del>原</del>" in page or "<del>" in page
    assert "<ins>新</ins>" in page
    assert "新加的第三段。" in page and 'class="diff-added"' in page
    assert 'class="diff-equal"' in page and "第二段不变。" in page

    restore_url = reverse("admin:articles_article_revision_restore", args=[article.pk, versions[0].pk])
    # Only the editor-in-chief restores; the reporter is refused, typed by hand or posted.
    assert reporter.get(restore_url).status_code == 403
    assert reporter.post(restore_url).status_code == 403
    assert Article.objects.get(pk=article.pk).title == "新标题"

    # (get_or_create: a transactional test elsewhere may have flushed the seeded clusters)
    rail, _ = Cluster.objects.get_or_create(slug="rail-transit", defaults={"name": "轨道交通", "position": 4})
    article.clusters.set([rail])  # filed after those revisions: restoring the text keeps it
    chief = as_user("chief")
    assert chief.get(restore_url).status_code == 200
    assert chief.post(restore_url).status_code == 302
    article.refresh_from_db()
    assert article.title == "原标题" and article.lead == "第一段原文。\n\n第二段不变。"
    assert article.status == Article.Status.DRAFT  # text only: the status stays
    assert Version.objects.get_for_object(article).count() == 3  # restoring made a new revision
    assert article.review_events.last().action == "restore_revision"
    assert list(article.clusters.all()) == [rail]


def test_a_published_article_cannot_be_restored_in_place(as_user, users):
    article = in_review(users, 3)
    services.article_publish(article=article, user=users["chief"])
    version = Version.objects.get_for_object(article).last()
    url = reverse("admin:articles_article_revision_restore", args=[article.pk, version.pk])
    assert as_user("chief").post(url).status_code == 403
    assert Article.objects.get(pk=article.pk).status == Article.Status.PUBLISHED


def test_text_in_a_comparison_is_escaped(as_user, users):
    article = draft_by(users["reporter"], title="标题")
    client = as_user("reporter")
    edit(client, article, title="标题")
    edit(client, article, title="<script>alert(1)</script>标题")
    versions = list(Version.objects.get_for_object(article).order_by("pk"))
    page = client.get(
        reverse("admin:articles_article_revisions_compare", args=[article.pk]),
        {"old": versions[0].pk, "new": versions[1].pk},
    ).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
