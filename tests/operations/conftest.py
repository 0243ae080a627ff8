"""Shared by the operations tests: content to serve, and servers each test starts for itself."""

import shutil
import socket
import subprocess
import time

import pytest
from django.core.cache import cache

from tests.factories import ArticleFactory, SectionFactory


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def article(db):
    cache.clear()
    article = ArticleFactory(title="衡阳八大千亿产业集群加速崛起")
    for _ in range(3):
        SectionFactory(article=article)
    return article


class RedisServer:
    """A throwaway redis-server on a spare loopback port (never the shared one on 6379)."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server): Redis fault tests skipped")
    server = RedisServer().start()
    yield server
    server.kill()
