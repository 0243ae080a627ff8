import contextlib
import errno
import os
import tempfile

from django.core.files.storage import FileSystemStorage
from django.core.files.storage.filesystem import safe_makedirs
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


class MediaStorage(FileSystemStorage):
    """Media on the file system, written whole or not at all.

    Django's FileSystemStorage writes straight to the final name: when the disk fills up (ENOSPC,
    EDQUOT) or anything else fails mid-write, the partial file stays, referenced by no row, and
    while a large file is being written the web server may already serve its first half. Here the
    bytes go to a hidden temporary file in the same folder, which is linked under the final name
    only once complete (a link fails if the name exists, as O_EXCL does) and removed whatever
    happens. A failed upload leaves nothing; its transaction rolls back the row, and
    hengyang_cms.unavailable answers a full disk with a 507 page.
    """

    def _save(self, name, content):
        if hasattr(content, "temporary_file_path"):
            return super()._save(name, content)  # a rename of Django's own temporary file
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        if self.directory_permissions_mode is not None:
            safe_makedirs(directory, self.directory_permissions_mode, exist_ok=True)
        else:
            os.makedirs(directory, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".partial-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in content.chunks():
                    handle.write(chunk if isinstance(chunk, bytes) else chunk.encode())
            os.chmod(temporary, self.file_permissions_mode or (0o666 & ~_UMASK))
            while True:
                try:
                    _link(temporary, full_path)
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(temporary)
        self._ensure_location_group_id(full_path)
        return os.path.relpath(full_path, self.location).replace("\\", "/")


def _link(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        # A file system without hard links: rename, after the same existence check.
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "file exists", target) from exc
        os.rename(source, target)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()  # read once, at import, before any thread runs
