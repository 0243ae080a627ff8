import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from articles.models import Page, PageRegion


def media_files(settings) -> set[str]:
    root = settings.MEDIA_ROOT
    if not root.exists():
        return set()
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def upload(content: bytes, name: str = "page.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def counts(settings):
    """Rows and files now, to compare after a refused upload."""

    def take():
        return (
            Page.objects.count(),
            PageRegion.objects.count(),
            sorted(Page.objects.values_list("image", "pdf", "updated_at")),
            media_files(settings),
        )

    return take
