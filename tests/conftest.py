import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files from a test land in its own temporary folder, never in var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client
