import importlib

import pytest
from django.apps import apps

# Reference data that data migrations create. A transactional test (a browser test with a live
# server) flushes every table when it ends, so tests after it get the rows back from the
# migrations' own code, which is idempotent.
REFERENCE_DATA_MIGRATIONS = [
    "clusters.migrations.0002_seed_eight_clusters",
    "articles.migrations.0005_editorial_groups",
]


def restore_reference_data() -> None:
    for module in REFERENCE_DATA_MIGRATIONS:
        importlib.import_module(module).seed(apps, None)


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    by_marker = marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    return bool(by_marker) or bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _reference_data(request):
    if _is_transactional(request):
        request.getfixturevalue("transactional_db")
        restore_reference_data()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files from a test land in its own temporary folder, never in var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client
