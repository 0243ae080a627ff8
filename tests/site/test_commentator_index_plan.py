"""On PostgreSQL a page of the commentator index starts in its index where the page before ended.

A page after a person (``?after=<id>``, or before: ``?before=<id>``) must not test every person before it for a visible
commentary, as a page by number did: the database finds the page's first person in
commentator_listing_idx by the row comparison of body order, name and id, and reads on from
there. With a few rows a sequential scan is cheapest, so the test adds 20,000 people with no
commentary (straight into the table) and one section each for some, then ANALYZE and plain
EXPLAIN of the query the page ran.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Commentator, body_order
from tests.site.conftest import add_section, published_on

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner"),
]


@pytest.mark.parametrize("direction", ["after", "before"])
def test_a_page_next_to_a_person_starts_in_the_index(client, seed_article, direction):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO articles_commentator (name, title, affiliation, bio) "
            "SELECT '代表' || i, CASE WHEN i % 2 = 0 THEN '市人大代表' ELSE '市政协委员' END, '', '' "
            "FROM generate_series(1, 20000) i"
        )
    article = published_on(seed_article.published_at.date())
    for i in range(1, 20000, 50):
        add_section(article, i, "建议", "市人大代表" if i % 2 == 0 else "市政协委员", f"代表{i}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_commentator")
        cursor.execute("ANALYZE articles_section")
    cursor_person = Commentator.objects.get(name="代表9001")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/commentators/", {direction: cursor_person.pk})
    assert response.status_code == 200
    page = [q["sql"] for q in queries.captured_queries if ") > (" in q["sql"] or ") < (" in q["sql"]]
    assert len(page) == 1, [q["sql"] for q in queries.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + page[0])
        explained = "\n".join(row[0] for row in cursor.fetchall())
    assert "commentator_listing_idx" in explained, explained
    assert "Index Cond: (ROW(" in explained, explained
    assert "Sort" not in explained and "Seq Scan on articles_commentator" not in explained, explained
    # The page holds the people next to that one in the list's order (the database's collation).
    listed = list(Commentator.objects.filter(sections__isnull=False).distinct().order_by(body_order(), "name", "pk"))
    at = listed.index(cursor_person)
    shown = [person for group in response.context["groups"] for person in group["people"]]
    assert shown == (listed[at + 1 : at + 121] if direction == "after" else listed[at - 120 : at])
