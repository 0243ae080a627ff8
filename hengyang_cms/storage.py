from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files once collectstatic has run; plain names before that.

    Tests and `runserver --insecure` with debug off run without a prior collectstatic; whitenoise
    serves the plain names from the finders then (WHITENOISE_USE_FINDERS), so a missing manifest
    entry must not turn every page into a 500.
    """

    def url(self, name, force=False):
        try:
            return super().url(name, force)
        except ValueError:
            return FileSystemStorage.url(self, name)
