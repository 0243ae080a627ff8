import io

import pytest

from articles.models import Photo
from articles.photos.images import clean_image
from tests.photos import images


def media_files(settings) -> set[str]:
    root = settings.MEDIA_ROOT
    if not root.exists():
        return set()
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


@pytest.fixture
def make_photo(django_capture_on_commit_callbacks):
    """A photo saved the way the admin saves one, with its after-commit work (renditions) run."""

    def make(size=(2000, 1333), content=None, **fields):
        upload = clean_image(io.BytesIO(content or images.encode(images.picture(size), "JPEG"))).as_upload()
        fields.setdefault("alt_text", "松木经开区的厂房")
        with django_capture_on_commit_callbacks(execute=True):
            photo = Photo.objects.create(image=upload, **fields)
        photo.refresh_from_db()
        return photo

    return make
