"""Material files: type checks by content (PDF leaflets, MP4/WebM videos) and serving with HTTP Range.

sheyin.common.uploads knows PDF and images only; videos are checked here, in the same way (by magic
bytes, never by name). Browsers seek in a <video> by asking for byte ranges, which Django's
FileResponse does not answer, so `ranged_response` implements single-range requests (RFC 9110 §14).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

MB = 1024 * 1024
MAX_BYTES = {"pdf": 10 * MB, "mp4": 50 * MB, "webm": 50 * MB}
CONTENT_TYPES = {"pdf": "application/pdf", "mp4": "video/mp4", "webm": "video/webm"}
EXTENSIONS = {"pdf": ".pdf", "mp4": ".mp4", "webm": ".webm"}
CHUNK = 64 * 1024

# Which file kinds each kind of material takes.
ALLOWED = {"leaflet": ("pdf",), "video": ("mp4", "webm"), "article": ("pdf",)}


def sniff(head: bytes, tail: bytes = b"") -> str | None:
    """The file kind from its first bytes (and, for PDF, its last ones), or None."""
    if head.startswith(b"%PDF-"):
        # A real PDF ends with an end-of-file marker; a renamed file of another kind does not.
        return "pdf" if b"%%EOF" in tail else None
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"  # ISO base media file (MP4): a 'ftyp' box first
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        return "webm"  # EBML header whose DocType is "webm"
    return None


def check_material_file(f: UploadedFile, material_kind: str) -> str:
    """The detected file kind, or a ValidationError in Chinese (keyed on the `file` field)."""
    allowed = ALLOWED.get(material_kind, ())
    name = f.name or ""
    size = f.size or 0
    if size == 0:
        raise ValidationError({"file": _("文件“%(name)s”为空。") % {"name": name}})
    pos = f.tell() if hasattr(f, "tell") else 0
    f.seek(0)
    head = f.read(64)
    f.seek(max(0, size - 1024))
    tail = f.read(1024)
    f.seek(pos)
    kind = sniff(head, tail)
    if kind not in allowed:
        names = "、".join(k.upper() for k in allowed) or "-"
        raise ValidationError(
            {
                "file": _("文件“%(name)s”类型不符，此类资料仅接受%(types)s文件。")
                % {"name": name, "types": names}
            }
        )
    limit = MAX_BYTES[kind]
    if size > limit:
        raise ValidationError(
            {
                "file": _("文件“%(name)s”大小为%(size).1fMB，超过上限%(limit).1fMB。")
                % {"name": name, "size": size / MB, "limit": limit / MB}
            }
        )
    return kind


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """(first, last) byte positions for a single satisfiable range; None to send the whole file (no
    header, several ranges, or a header we do not understand, which RFC 9110 lets a server ignore);
    False when the range cannot be satisfied (416)."""
    header = header.strip()
    if not header or "," in header:
        return None
    m = _RANGE.match(header)
    if not m:
        return None
    first_s, last_s = m.groups()
    if not first_s and not last_s:
        return None
    if not first_s:  # suffix: the last N bytes
        n = int(last_s)
        if n == 0 or size == 0:
            return False
        return max(0, size - n), size - 1
    first = int(first_s)
    if last_s and int(last_s) < first:
        return None  # syntactically invalid: ignore the header
    last = int(last_s) if last_s else size - 1
    if first >= size:
        return False
    return first, min(last, size - 1)


def _chunks(fh: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        fh.seek(start)
        left = length
        while left > 0:
            data = fh.read(min(CHUNK, left))
            if not data:
                break
            left -= len(data)
            yield data
    finally:
        fh.close()


def ranged_response(
    request: HttpRequest,
    fh: IO[bytes],
    *,
    size: int,
    content_type: str,
    filename: str,
    etag: str,
    max_age: int = 3600,
) -> HttpResponseBase:
    """200 with the whole file, 206 with one byte range, or 416; the file handle is closed after."""
    rng = parse_range(request.headers.get("Range", ""), size)
    if_range = request.headers.get("If-Range", "").strip()
    if if_range and if_range != etag:
        rng = None  # the client's copy is of another version: send it all
    resp: HttpResponseBase
    if rng is False:
        fh.close()
        resp = HttpResponse(status=416)
        resp["Content-Range"] = f"bytes */{size}"
    else:
        start, end = rng if isinstance(rng, tuple) else (0, size - 1)
        length = max(0, end - start + 1)
        body = _chunks(fh, start, length) if request.method != "HEAD" else iter(())
        if request.method == "HEAD":
            fh.close()
        resp = StreamingHttpResponse(body, status=206 if isinstance(rng, tuple) else 200)
        resp["Content-Length"] = str(length)
        if isinstance(rng, tuple):
            resp["Content-Range"] = f"bytes {start}-{end}/{size}"
        resp["Content-Type"] = content_type
        resp["Content-Disposition"] = content_disposition_header(False, filename) or "inline"
    resp["Accept-Ranges"] = "bytes"
    resp["ETag"] = etag
    resp["Cache-Control"] = f"public, max-age={max_age}"
    return resp


def file_size(path: str) -> int:
    return os.path.getsize(path)
