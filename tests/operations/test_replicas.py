"""Read replicas: anonymous readers' reads go to a replica, everything else to the primary; a failed
replica falls back to the primary. The streaming-replica tests need a real PostgreSQL standby
(DATABASE_REPLICA_URLS, e.g. made by deploy/make-replica; .ci/run does it) and are skipped without."""

import copy
import logging
import time

import pytest
from django.conf import settings as django_settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.utils import load_backend
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from hengyang_cms import db_router
from hengyang_cms.db_router import ReplicaReadsMiddleware, ReplicaRouter, reset_replica_health, use_replica_reads
from tests.factories import ArticleFactory
from tests.operations.conftest import free_port

REPLICA_MIDDLEWARE = "hengyang_cms.db_router.ReplicaReadsMiddleware"
SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"


def with_replica_middleware(middleware):
    middleware = [m for m in middleware if m != REPLICA_MIDDLEWARE]
    middleware.insert(middleware.index(SESSION_MIDDLEWARE), REPLICA_MIDDLEWARE)
    return middleware


@pytest.fixture
def replicas_on(settings):
    """Replica reads switched on for one test, with whatever aliases it sets."""
    settings.DATABASE_REPLICA_READS = True
    settings.DATABASE_ROUTERS = ["hengyang_cms.db_router.ReplicaRouter"]
    settings.MIDDLEWARE = with_replica_middleware(settings.MIDDLEWARE)
    reset_replica_health()
    db_router._local.__dict__.clear()
    yield settings
    reset_replica_health()
    db_router._local.__dict__.clear()


# -- which requests may read from a replica ----------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "headers", "allowed"),
    [
        ("get", "/", {}, True),
        ("head", "/articles/1/", {}, True),
        ("get", "/search/?q=衡阳", {}, True),
        ("post", "/search/", {}, False),
        ("get", "/admin/", {}, False),
        ("get", "/admin/articles/article/1/change/", {}, False),
        ("get", "/", {"HTTP_COOKIE": "sessionid=abc"}, False),  # staff, previews, staff exports
        ("get", "/api/v1/articles", {"HTTP_AUTHORIZATION": "Bearer t"}, False),  # the API with a token
    ],
)
def test_only_anonymous_safe_requests_outside_the_admin_may_read_from_a_replica(method, path, headers, allowed):
    request = getattr(RequestFactory(), method)(path, **headers)
    assert ReplicaReadsMiddleware.may_read_from_replica(request) is allowed


def test_the_router_sends_reads_to_a_replica_only_when_the_request_allows_it(replicas_on):
    replicas_on.DATABASE_REPLICAS = ["replica_a", "replica_b"]
    router = ReplicaRouter()
    assert router.db_for_read(Article) is None  # no request: the primary
    with use_replica_reads(False):
        assert router.db_for_read(Article) is None
    with use_replica_reads() as state:
        chosen = router.db_for_read(Article)
        assert chosen in {"replica_a", "replica_b"}
        assert all(router.db_for_read(Article) == chosen for _ in range(20))  # one replica per request
        assert state.used == chosen
    assert router.allow_migrate("replica_a", "articles") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "articles") is None


def test_after_a_write_the_request_and_the_thread_keep_to_the_primary(replicas_on):
    replicas_on.DATABASE_REPLICAS = ["replica_a"]
    replicas_on.DATABASE_REPLICA_PIN_SECONDS = 0.3
    router = ReplicaRouter()
    with use_replica_reads():
        assert router.db_for_read(Article) == "replica_a"
        assert router.db_for_write(Article) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Article) is None  # the rest of this request
    with use_replica_reads():
        assert router.db_for_read(Article) is None  # the next request on this thread, for a moment
    time.sleep(0.35)
    with use_replica_reads():
        assert router.db_for_read(Article) == "replica_a"


def test_a_query_on_the_primary_keeps_the_rest_of_the_request_there(replicas_on, db):
    # The article page's freshness check runs on the primary's connection: what is rendered after
    # it must not come from an older replica.
    replicas_on.DATABASE_REPLICAS = ["replica_a"]
    router = ReplicaRouter()
    with use_replica_reads() as state:
        with connections[DEFAULT_DB_ALIAS].execute_wrapper(state.primary_touched):
            assert router.db_for_read(Article) == "replica_a"
            with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                cursor.execute("SELECT 1")
            assert router.db_for_read(Article) is None


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_reads_stay_on_the_primary(replicas_on):
    replicas_on.DATABASE_REPLICAS = ["replica_a"]
    with use_replica_reads(), transaction.atomic():
        assert ReplicaRouter().db_for_read(Article) is None


def test_a_replica_marked_down_is_skipped_until_its_pause_ends(replicas_on):
    replicas_on.DATABASE_REPLICAS = ["replica_a"]
    replicas_on.DATABASE_REPLICA_RETRY_SECONDS = 0.2
    db_router.mark_replica_down("replica_a", RuntimeError("test"))
    with use_replica_reads():
        assert ReplicaRouter().db_for_read(Article) is None
    time.sleep(0.25)
    with use_replica_reads():
        assert ReplicaRouter().db_for_read(Article) == "replica_a"


# -- a replica that fails --------------------------------------------------------------------------


@pytest.fixture
def dead_replica(replicas_on):
    """A replica alias that cannot be reached: a port nothing listens on, or a file that cannot exist."""
    alias = "replica_dead"
    conf = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    if conf["ENGINE"].endswith("sqlite3"):
        conf["NAME"] = "/nonexistent/hengyang/replica.sqlite3"
    else:
        conf["PORT"] = str(free_port())
        conf["OPTIONS"] = {**conf.get("OPTIONS", {}), "connect_timeout": 1}
    # A connection made here, not in settings.DATABASES: Django's tests allow such connections.
    connections[alias] = load_backend(conf["ENGINE"]).DatabaseWrapper(conf, alias)
    replicas_on.DATABASE_REPLICAS = [alias]
    yield alias
    connections[alias].close()
    del connections[alias]


@pytest.mark.django_db
def test_a_dead_replica_falls_back_to_the_primary_and_is_skipped_for_a_while(client, article, dead_replica, caplog):
    with caplog.at_level(logging.WARNING, logger="hengyang_cms.db_router"):
        for path in ("/", "/issues/", "/clusters/", f"/commentators/{article.sections.first().commentator_id}/"):
            response = client.get(path)
            assert response.status_code == 200, path
    assert article.title in client.get("/").content.decode()
    assert db_router.healthy_replicas() == []  # marked down: the next requests do not try it
    messages = [record.getMessage() for record in caplog.records if record.name == "hengyang_cms.db_router"]
    assert len(messages) == 1 and messages[0].startswith(f"read replica {dead_replica} failed (OperationalError")


# -- a real streaming replica (PostgreSQL) -----------------------------------------------------------

REPLICA = django_settings.DATABASE_REPLICAS[0] if django_settings.DATABASE_REPLICAS else None
physical = pytest.mark.skipif(
    REPLICA is None or connections[DEFAULT_DB_ALIAS].vendor != "postgresql",
    reason=(
        "no PostgreSQL streaming replica configured: set DATABASE_REPLICA_URLS (deploy/make-replica makes one "
        "on 127.0.0.1:5433; .ci/run does) to run the streaming-replica tests"
    ),
)
REPLICA_DATABASES = ["default", *django_settings.DATABASE_REPLICAS]


def wait_for_replay(alias: str, pk: int, timeout: float = 15.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if Article.objects.using(alias).filter(pk=pk).exists():
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"article {pk} did not reach the replica {alias} within {timeout} s")


@physical
@pytest.mark.django_db(transaction=True, databases=REPLICA_DATABASES)
def test_the_replica_is_a_read_only_standby_of_the_test_database():
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_database(), current_setting('port')")
        in_recovery, name, port = cursor.fetchone()
    assert in_recovery is True
    assert name == connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]  # the primary's test database, replayed
    assert port != connections[DEFAULT_DB_ALIAS].settings_dict.get("PORT")
    with pytest.raises(Exception, match="read-only"), transaction.atomic(using=REPLICA):
        Article.objects.using(REPLICA).filter(pk=0).update(title="x")


@physical
@pytest.mark.django_db(transaction=True, databases=REPLICA_DATABASES)
def test_an_anonymous_reader_reads_from_the_streaming_replica(client, settings):
    settings.DATABASE_REPLICA_READS = True
    reset_replica_health()
    article = ArticleFactory(title="从副本读到的衡阳稿件")  # committed on the primary
    lag = wait_for_replay(REPLICA, article.pk)
    time.sleep(max(0.0, settings.DATABASE_REPLICA_PIN_SECONDS))  # this thread wrote: let the pin lapse
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get("/")
    assert response.status_code == 200
    assert article.title in response.content.decode()
    assert len(on_replica) > 0, "the home page did not read from the replica"
    assert lag < 15


@physical
@pytest.mark.django_db(transaction=True, databases=REPLICA_DATABASES)
def test_staff_and_writes_never_read_from_the_replica(client, admin_user, settings):
    settings.DATABASE_REPLICA_READS = True
    reset_replica_health()
    article = ArticleFactory(title="编辑看到的稿件")
    client.force_login(admin_user)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        for path in ("/", f"/articles/{article.pk}/", "/admin/", f"/admin/articles/article/{article.pk}/change/"):
            assert client.get(path).status_code == 200, path
    assert len(on_replica) == 0
    with use_replica_reads():
        ArticleFactory(title="刚写入")
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            assert Article.objects.filter(title="刚写入").exists()  # read your own write: the primary
    assert len(on_replica) == 0
