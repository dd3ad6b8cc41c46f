"""Uploaded files: type checked by content (magic bytes), not by name; size limited; stored privately.

Files are never served from MEDIA_URL: each app serves them through a view that checks permission.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

# kind -> (extension, leading bytes)
SIGNATURES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": (".pdf", (b"%PDF-",)),
    "png": (".png", (b"\x89PNG\r\n\x1a\n",)),
    "jpeg": (".jpg", (b"\xff\xd8\xff",)),
}
IMAGES = ("png", "jpeg")
DOCUMENTS = ("pdf", "png", "jpeg")


def sniff(head: bytes) -> str | None:
    for kind, (_ext, magics) in SIGNATURES.items():
        if any(head.startswith(m) for m in magics):
            return kind
    return None


def check_upload(f: UploadedFile, allowed: tuple[str, ...] = DOCUMENTS, max_bytes: int | None = None) -> str:
    """Return the detected kind, or raise a ValidationError in Chinese naming the file."""
    limit = max_bytes or settings.SHEYIN_UPLOAD_MAX_BYTES
    name = f.name or ""
    if f.size is None or f.size == 0:
        raise ValidationError(_("文件“%(name)s”为空。") % {"name": name})
    if f.size > limit:
        raise ValidationError(
            _("文件“%(name)s”大小为%(size).1fMB，超过上限%(limit).1fMB。")
            % {"name": name, "size": f.size / 1048576, "limit": limit / 1048576}
        )
    pos = f.tell() if hasattr(f, "tell") else 0
    head = f.read(16)
    f.seek(pos)
    kind = sniff(head)
    if kind not in allowed:
        names = "、".join(k.upper() for k in allowed)
        raise ValidationError(
            _("文件“%(name)s”类型不支持，仅接受%(types)s。") % {"name": name, "types": names}
        )
    return kind
