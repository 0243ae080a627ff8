"""A search that runs past its statement timeout answers a friendly page, never a 500."""

import dataclasses

import pytest
from django.db import connection

from search import engine

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statement_timeout"),
]


def test_a_search_past_its_timeout_gets_a_page_that_says_so(client, monkeypatch, settings):
    def slow(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")
        return []

    settings.SEARCH_LIMITS = dataclasses.replace(engine.DEFAULT_LIMITS, timeout_ms=50)
    monkeypatch.setattr(engine, "_matches", slow)
    response = client.get("/search/", {"q": "衡阳"})
    assert response.status_code == 503
    assert "用时过长" in response.content.decode()
    # The connection is usable afterwards: the timeout ended with its transaction.
    assert client.get("/search/", {"q": ""}).status_code == 200
