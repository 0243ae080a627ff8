"""Schemathesis against the live schema: every operation and parameter, fuzzed through the Django
WSGI application on the test database (SQLite or PostgreSQL, whichever the suite runs on). No
answer may be a 5xx, and every answer must conform to the schema: its status documented, its
content type and body as described, problem details for errors, 405 for methods the API does
not take. Examples are bounded so the whole run stays well under a minute."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 25
# Every built-in check but one: "schema-valid data is accepted". A value can be of the right type
# and still name nothing — a cluster or commentator that does not exist, a cursor the API did not
# make — and the API says so with a 400 naming the parameter rather than an empty list, which no
# schema can express without listing the archive. Schema-invalid data must still be rejected
# (negative_data_rejection), and no answer may be a 5xx.
EXCLUDED = [positive_data_acceptance]
# The app compresses public answers; the WSGI transport does not decode them.
PLAIN = {"Accept-Encoding": "identity"}


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: a request through the WSGI application must not close the
    connection that holds the test's transaction (PostgreSQL would lose the test's data)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# The schema as the running application serves it (no database needed to generate it).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms_to_its_schema(case, archive):
    case.call_and_validate(headers=PLAIN, excluded_checks=EXCLUDED)


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms_with_a_staff_token(case, archive, chief_token):
    case.call_and_validate(headers={**PLAIN, **bearer_header(chief_token)}, excluded_checks=EXCLUDED)


def bearer_header(token: str) -> dict:
    return {"Authorization": bearer(token)["HTTP_AUTHORIZATION"]}
