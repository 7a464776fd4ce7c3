"""Storage for uploaded files that must not be reachable by URL (photos of premises,
statements): kept under settings.PRIVATE_MEDIA_ROOT, outside the web root, and served
only by views that check who is asking."""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """FileSystemStorage that reads PRIVATE_MEDIA_ROOT at use time (tests override it)."""

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return str(Path(self.base_location).resolve())

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("private files have no public URL; serve them through a view")


_storage = PrivateStorage()


def private_storage() -> PrivateStorage:
    """Callable for FileField(storage=…), so migrations do not record a path."""
    return _storage
