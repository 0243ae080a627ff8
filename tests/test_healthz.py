import pytest

from tests.test_settings import run_python


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_is_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_down():
    # A real unreachable server (nothing listens on port 1), in a fresh interpreter.
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    )
    nowhere = "postgres://postgres@127.0.0.1:1/nowhere?connect_timeout=2"
    result = run_python(code, DJANGO_DEBUG="1", DJANGO_ALLOWED_HOSTS="testserver", DATABASE_URL=nowhere)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("503")
    assert "unreachable" in result.stdout
