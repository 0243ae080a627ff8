"""Read replicas: anonymous readers' reads go to a PostgreSQL streaming replica, everything else to
the primary.

``DATABASE_REPLICA_URLS`` (comma-separated, dj-database-url style) adds the aliases ``replica_1``,
``replica_2`` … (settings.DATABASE_REPLICAS). A router cannot see the request, so
``ReplicaReadsMiddleware`` marks each request in a context variable, and ``ReplicaRouter`` sends a
read to a replica only when the mark says it may:

- only anonymous (no session cookie, no Authorization header), safe-method (GET, HEAD) requests
  outside ``/admin/`` may read from a replica; the admin, every write, previews, staff exports
  and the API with a token (all of which carry a session or a token) read from the primary;
- a request that has written, or that has run any query on the primary (the article page's
  freshness check and the search engine use the primary's connection directly), reads from the
  primary for the rest of the request, so what is rendered is never older than the key it is
  kept under;
- for ``DATABASE_REPLICA_PIN_SECONDS`` (3) after a write, the same thread keeps to the primary;
- inside a transaction on the primary every read stays on the primary;
- one replica per request (chosen at random among the healthy ones), so a page is read from one
  consistent snapshot of the data.

When a replica fails (refused, reset, shut down: OperationalError or InterfaceError), the
middleware marks it down for ``DATABASE_REPLICA_RETRY_SECONDS`` (10) in this process and runs the
view again on the primary — a safe, anonymous request, so running it twice is harmless. While a
replica is marked down no request tries it; after that one request tries it again. Replication
lag is not measured: readers may see a change up to the lag late (see the README's "Scaling out").
"""

from __future__ import annotations

import logging
import random
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

from hengyang_cms.unavailable import database_unavailable

logger = logging.getLogger("hengyang_cms.db_router")

SAFE_METHODS = frozenset({"GET", "HEAD"})
ADMIN_PREFIX = "/admin/"
PIN_SECONDS = 3.0
RETRY_SECONDS = 10.0
DATABASE_FAILURES = (OperationalError, InterfaceError)


@dataclass
class ReadState:
    """What one request may do: read from a replica (until it writes or touches the primary)."""

    replica_ok: bool
    alias: str | None = None  # the replica chosen for this request, once it has read
    used: str | None = None  # the replica this request has read from

    def primary_touched(self, execute, sql, params, many, context):
        # Any query on the primary's connection (a write, or a raw read) keeps the rest of the
        # request on the primary.
        self.replica_ok = False
        return execute(sql, params, many, context)


_state: ContextVar[ReadState | None] = ContextVar("hengyang_db_read_state", default=None)
_local = threading.local()
_down_until: dict[str, float] = {}
_down_lock = threading.Lock()


def replica_aliases() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", ()))


def replica_reads_enabled() -> bool:
    return bool(replica_aliases()) and getattr(settings, "DATABASE_REPLICA_READS", True)


def healthy_replicas() -> list[str]:
    now = time.monotonic()
    return [alias for alias in replica_aliases() if _down_until.get(alias, 0.0) <= now]


def mark_replica_down(alias: str, exc: BaseException | None = None) -> None:
    seconds = float(getattr(settings, "DATABASE_REPLICA_RETRY_SECONDS", RETRY_SECONDS))
    with _down_lock:
        already = _down_until.get(alias, 0.0) > time.monotonic()
        _down_until[alias] = time.monotonic() + seconds
    if not already:
        logger.warning(
            "read replica %s failed (%s: %s); reading from the primary for %.0f s",
            alias,
            type(exc).__name__ if exc else "error",
            exc,
            seconds,
        )
    try:
        connections[alias].close()
    except Exception:  # a broken connection may fail to close; it is dropped either way
        pass


def reset_replica_health() -> None:
    with _down_lock:
        _down_until.clear()


def _pinned_to_primary() -> bool:
    last = getattr(_local, "last_write", None)
    pin = float(getattr(settings, "DATABASE_REPLICA_PIN_SECONDS", PIN_SECONDS))
    return last is not None and time.monotonic() - last < pin


def _in_transaction() -> bool:
    """Inside transaction.atomic() on the primary (not counting the one a TestCase wraps each test in)."""
    primary = connections[DEFAULT_DB_ALIAS]
    return primary.in_atomic_block and any(not block._from_testcase for block in primary.atomic_blocks)


def note_write() -> None:
    _local.last_write = time.monotonic()
    state = _state.get()
    if state is not None:
        state.replica_ok = False


class use_replica_reads:  # used like a function: `with use_replica_reads(): ...`
    """Mark the code inside as an anonymous reader's request (tests, scripts)."""

    def __init__(self, allowed: bool = True):
        self.state = ReadState(replica_ok=allowed)

    def __enter__(self):
        self._token = _state.set(self.state)
        return self.state

    def __exit__(self, *exc):
        _state.reset(self._token)


class ReplicaRouter:
    """Reads from a replica only when the current request is marked for it; writes to the primary."""

    def db_for_read(self, model, **hints):
        state = _state.get()
        if state is None or not state.replica_ok:
            return None
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db  # related objects come from where their owner came from
        if not replica_reads_enabled() or _pinned_to_primary() or _in_transaction():
            return None
        if state.alias is None or _down_until.get(state.alias, 0.0) > time.monotonic():
            candidates = healthy_replicas()
            if not candidates:
                return None
            state.alias = random.choice(candidates)
        state.used = state.alias
        return state.alias

    def db_for_write(self, model, **hints):
        note_write()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same data

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db in replica_aliases():
            return False  # replicas follow the primary; they are never migrated
        return None


class ReplicaReadsMiddleware:
    """Marks anonymous safe requests as allowed to read from a replica; retries them on the
    primary when the replica fails. Does nothing when no replica is configured."""

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def may_read_from_replica(request) -> bool:
        return (
            request.method in SAFE_METHODS
            and not request.path.startswith(ADMIN_PREFIX)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "HTTP_AUTHORIZATION" not in request.META
        )

    def __call__(self, request):
        if not replica_reads_enabled():
            return self.get_response(request)
        state = ReadState(replica_ok=self.may_read_from_replica(request))
        token = _state.set(state)
        try:
            if not state.replica_ok:
                return self.get_response(request)
            with connections[DEFAULT_DB_ALIAS].execute_wrapper(state.primary_touched):
                return self.get_response(request)
        finally:
            _state.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        request._hengyang_view = (view_func, view_args, view_kwargs)

    def process_exception(self, request, exception):
        state = _state.get()
        if not isinstance(exception, DATABASE_FAILURES) or state is None or state.used is None:
            return None
        if not connections[state.used].errors_occurred:
            return None  # the primary failed, not the replica: nothing to retry on
        mark_replica_down(state.used, exception)
        view = getattr(request, "_hengyang_view", None)
        if view is None:
            return None
        state.replica_ok = False
        state.used = state.alias = None
        view_func, view_args, view_kwargs = view
        try:
            return view_func(request, *view_args, **view_kwargs)
        except DATABASE_FAILURES as again:
            return database_unavailable(request, again)
