"""Public pages kept in a process's memory until PostgreSQL announces a committed change.

These tests commit (transaction=True): a change is announced only when its transaction commits.
"""

import datetime
import time

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Article
from articles.site.page_memory import Kept, PageMemory, memory
from hengyang_cms.changes import listener
from tests.factories import ArticleFactory
from tests.site.conftest import SEED_DAY, add_photo, make_page, morning

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL announces changes (LISTEN/NOTIFY); SQLite cannot"
)


@pytest.fixture
def remembering(settings, transactional_db):
    settings.PAGE_MEMORY = True
    memory.clear()
    assert listener.wait_listening(), "the process should be listening for changes"
    yield
    memory.clear()
    listener.stop()  # its connection would keep the test database from being dropped


def changed(action):
    """Run a committed change and wait until this process has heard of it."""
    before = listener.generation()
    action()
    assert listener.wait_for(before), "the commit should be announced"


def article_on_a04(**fields) -> Article:
    fields.setdefault("published_at", morning(SEED_DAY))
    return ArticleFactory(page=make_page(), **fields)


@postgresql_only
def test_a_page_asked_again_is_answered_without_the_database(remembering, client, django_assert_num_queries):
    article = article_on_a04(title="反复阅读的稿件", position=1)
    first = client.get(article.get_absolute_url())
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = client.get(article.get_absolute_url())
    assert again.content == first.content
    assert again["ETag"] == first["ETag"] and again["Cache-Control"] == first["Cache-Control"]
    with django_assert_num_queries(0):
        not_modified = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304


@postgresql_only
@pytest.mark.parametrize("how", ["save", "update"])
def test_an_edit_shows_at_once_however_it_is_written(remembering, client, how):
    article = article_on_a04(title="原来的标题", position=1)
    assert "原来的标题" in client.get(article.get_absolute_url()).content.decode()

    def edit():
        if how == "save":
            article.title = "改过的标题"
            article.version += 1
            article.save()
        else:  # a queryset update sends no model signal: the database still announces it
            Article.objects.filter(pk=article.pk).update(title="改过的标题", version=article.version + 1)

    changed(edit)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "改过的标题" in html and "原来的标题" not in html


@postgresql_only
def test_a_withdrawal_shows_at_once(remembering, client):
    article = article_on_a04(title="将被撤下的稿件", position=1)
    assert client.get(article.get_absolute_url()).status_code == 200
    changed(lambda: Article.objects.filter(pk=article.pk).update(status=Article.Status.WITHDRAWN))
    assert client.get(article.get_absolute_url()).status_code == 410


@postgresql_only
def test_a_photo_change_shows_at_once(remembering, client):
    article = article_on_a04(title="有图的稿件", position=1)
    photo = add_photo(article, 1, is_lead=True, caption="旧的图片说明。")
    assert "旧的图片说明" in client.get(article.get_absolute_url()).content.decode()
    photo.caption = "新的图片说明。"
    changed(photo.save)
    assert "新的图片说明" in client.get(article.get_absolute_url()).content.decode()


@postgresql_only
def test_a_neighbour_going_live_on_time_shows_without_any_write(remembering, client):
    first = article_on_a04(title="本版头条", position=1)
    due = timezone.now() + datetime.timedelta(seconds=1.5)
    ArticleFactory(
        page=first.page, position=2, title="定时上线的稿件", status=Article.Status.SCHEDULED, published_at=due
    )
    assert "定时上线的稿件" not in client.get(first.get_absolute_url()).content.decode()
    time.sleep(max(0.0, (due - timezone.now()).total_seconds()) + 0.1)
    assert "定时上线的稿件" in client.get(first.get_absolute_url()).content.decode()


@postgresql_only
def test_lists_follow_a_new_article_at_once(remembering, client):
    article_on_a04(title="已在首页的稿件", position=1)
    assert "已在首页的稿件" in client.get("/").content.decode()
    changed(lambda: article_on_a04(title="刚刚发布的稿件", position=2))
    assert "刚刚发布的稿件" in client.get("/").content.decode()


@postgresql_only
def test_signed_in_visitors_are_not_answered_from_memory(remembering, client, admin_user, django_assert_num_queries):
    article = article_on_a04(title="编辑也看的稿件", position=1)
    client.get(article.get_absolute_url())
    client.get(article.get_absolute_url())  # kept for anonymous readers
    client.force_login(admin_user)
    with django_assert_num_queries(1, exact=False):
        assert client.get(article.get_absolute_url()).status_code == 200


@postgresql_only
def test_without_its_connection_nothing_is_kept_and_pages_stay_right(remembering, client):
    article = article_on_a04(title="断线前的标题", position=1)
    client.get(article.get_absolute_url())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE query = 'LISTEN hengyang_content' AND datname = current_database()"
        )
    Article.objects.filter(pk=article.pk).update(title="断线后的标题", version=article.version + 1)
    deadline = time.monotonic() + 5
    while listener.generation() is not None and time.monotonic() < deadline:
        time.sleep(0.01)  # the listener notices its connection is gone
    assert "断线后的标题" in client.get(article.get_absolute_url()).content.decode()
    assert listener.wait_listening(10), "the listener should come back"
    assert "断线后的标题" in client.get(article.get_absolute_url()).content.decode()


def test_nothing_is_kept_on_sqlite_or_when_switched_off(settings, db, client, django_assert_num_queries):
    article = article_on_a04(title="不存内存的稿件", position=1)
    # On PostgreSQL switched off; on SQLite switched on, but there is nothing to listen to.
    settings.PAGE_MEMORY = connection.vendor != "postgresql"
    assert listener.generation() is None
    client.get(article.get_absolute_url())
    with django_assert_num_queries(1):  # the stored page's state query, every time
        client.get(article.get_absolute_url())
    assert len(memory) == 0


def test_memory_is_bounded_and_forgets_the_least_recently_used():
    store = PageMemory(max_bytes=4000)
    now = timezone.now()
    later = now + datetime.timedelta(minutes=1)

    def page(n):
        return Kept(generation=1, until=later, content=b"x" * 900, headers=(), etag=None, last_modified=None)

    for n in range(4):
        store.put(f"/p{n}", page(n))
    assert store.get("/p0", 1, now) is not None  # used: now the most recent
    store.put("/p4", page(4))
    assert store.size <= 4000 and len(store) == 4
    assert store.get("/p1", 1, now) is None and store.get("/p0", 1, now) is not None
    assert store.get("/p0", 2, now) is None  # a later change count
    store.put("/p5", page(5))
    assert store.get("/p5", 1, later) is None  # past its time
    store.put("/big", Kept(1, later, b"x" * 2000, (), None, None))
    assert store.get("/big", 1, now) is None  # larger than a quarter of the store: never kept


@postgresql_only
def test_a_kept_page_is_the_finished_response_for_each_encoding(remembering, client, django_assert_num_queries):
    article = article_on_a04(title="压缩与否的稿件", position=1)
    plain = client.get(article.get_absolute_url())
    packed = client.get(article.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip")
    with django_assert_num_queries(0):
        plain_again = client.get(article.get_absolute_url())
        packed_again = client.get(article.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in plain_again and plain_again.content == plain.content
    assert packed_again["Content-Encoding"] == packed["Content-Encoding"] == "gzip"
    assert packed_again.content == packed.content
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Vary"):
        assert plain_again[name] == plain[name], name
