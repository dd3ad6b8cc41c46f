"""File storage for several app hosts: uploads and generated documents in an S3-compatible bucket.

Every file is read and written through Django's storage API (`FieldFile.open`, `.save`, `.delete`), so the
backend is a setting: the file system by default (one host, `MEDIA_ROOT`), `PrivateS3Storage` in production
when `SHEYIN_S3_BUCKET` is set (config/settings/production.py). Files are served only by the
permission-checked views that stream them (FileResponse); this storage never hands out a public or signed
address: `url()` answers the same never-served `MEDIA_URL` path as the file-system storage does."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.conf import settings
from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    """S3 storage with private objects, no overwriting, and no URLs that would bypass the views."""

    default_acl = (
        None  # the bucket's own policy: private (set no public ACL; some S3-compatible stores refuse ACLs)
    )
    querystring_auth = False
    file_overwrite = False

    def url(
        self, name: str | None, parameters: Any = None, expire: Any = None, http_method: Any = None
    ) -> str:
        # Never a signed or public link: the caller gets the same dead path as with the file-system storage.
        return f"{settings.MEDIA_URL}{quote(name or '')}"
