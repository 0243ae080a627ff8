"""Committed changes to the content, as PostgreSQL announces them to each web process.

Statement-level triggers on the tables public pages are made from (articles migration 0012)
send ``NOTIFY hengyang_content`` in the writing transaction; PostgreSQL delivers it when, and
only if, that transaction commits. Each process listens on a connection of its own, in a
daemon thread started at its first use (so after gunicorn's fork), and counts what it hears.

``generation()`` is that count: a value remembered with something made from the database stays
valid exactly while the count is unchanged. While the process is not listening (before the
first LISTEN has been confirmed, after a lost connection, on SQLite, or when switched off) it
returns None and nothing may be kept; on reconnecting the count moves on, since notifications
sent while away are lost. A change shows in every process as soon as its notification arrives:
within milliseconds of the commit.

Not for poolers in transaction mode (LISTEN needs a session of its own): with PgBouncer point
``DATABASE_URL`` at the server itself or set ``DJANGO_PAGE_MEMORY=0``.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

CHANNEL = "hengyang_content"
# After a lost connection, how long to wait before listening again.
RETRY_SECONDS = 2.0
# How long notifies() blocks before checking whether the listener was asked to stop.
POLL_SECONDS = 1.0


class ChangeListener:
    def __init__(self, channel: str = CHANNEL, alias: str = "default"):
        self.channel = channel
        self.alias = alias
        self._lock = threading.Lock()
        self._count = 0
        self._listening = threading.Event()
        self._stop = threading.Event()
        self._pid: int | None = None
        self._thread: threading.Thread | None = None

    def enabled(self) -> bool:
        return getattr(settings, "PAGE_MEMORY", True) and connections[self.alias].vendor == "postgresql"

    def generation(self) -> int | None:
        """The number of changes heard so far, or None while changes cannot be heard."""
        if not self.enabled():
            return None
        if self._pid != os.getpid():
            self._start()
        return self._count if self._listening.is_set() else None

    def wait_listening(self, timeout: float = 5.0) -> bool:
        """Start listening if need be and wait until LISTEN is confirmed (for tests and warm-up)."""
        self.generation()
        return self._listening.wait(timeout)

    def wait_for(self, count: int, timeout: float = 5.0) -> bool:
        """Wait until the count has passed ``count`` (tests: a commit has been heard)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._count > count:
                return True
            time.sleep(0.005)
        return False

    def stop(self) -> None:
        """Stop listening and close the connection (tests, before their database is dropped)."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(POLL_SECONDS + 2)
        self._thread = None
        self._pid = None
        self._listening.clear()
        self._stop.clear()

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            # A forked child inherits the parent's count but not its thread or connection.
            self._pid = os.getpid()
            self._listening.clear()
            self._bump()
            self._thread = threading.Thread(target=self._run, name="content-changes", daemon=True)
            self._thread.start()

    def _bump(self) -> None:
        self._count += 1

    def _connect(self):
        import psycopg

        params = connections[self.alias].get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("prepare_threshold", None)
        return psycopg.connect(**params, autocommit=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with self._connect() as conn:
                    conn.execute(f"LISTEN {self.channel}")
                    self._bump()  # what was sent before LISTEN was not heard: a new count starts
                    self._listening.set()
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=POLL_SECONDS):
                            self._bump()
            except Exception:
                logger.warning("not listening for content changes; retrying", exc_info=True)
            finally:
                self._listening.clear()
                self._bump()
            self._stop.wait(RETRY_SECONDS)


listener = ChangeListener()
