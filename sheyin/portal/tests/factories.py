"""Factories for the portal's tests: materials, notices, and file bodies of each kind."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sheyin.notices.models import PublicNotice
from sheyin.portal.models import PolicyMaterial
from sheyin.portal.workflow import Status

# Smallest bodies that pass the content checks (and a few that must not).
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n" + b"0123456789" * 30 + b"\n%%EOF\n"
MP4_BYTES = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 8
WEBM_BYTES = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x00" * 500
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def upload(kind: str = "pdf", name: str | None = None, body: bytes | None = None) -> SimpleUploadedFile:
    bodies = {"pdf": PDF_BYTES, "mp4": MP4_BYTES, "webm": WEBM_BYTES, "png": PNG_BYTES}
    types = {"pdf": "application/pdf", "mp4": "video/mp4", "webm": "video/webm", "png": "image/png"}
    return SimpleUploadedFile(name or f"file.{kind}", body if body is not None else bodies[kind], types[kind])


class MaterialFactory(factory.django.DjangoModelFactory):
    """A material straight into the table (tests of the services themselves use the services)."""

    class Meta:
        model = PolicyMaterial

    title = factory.Sequence(lambda n: f"政策解读{n}")
    summary = "一句话摘要"
    body = "<p>正文</p>"
    kind = PolicyMaterial.Kind.ARTICLE
    status = Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


def notice(
    kind: str = "outlet_opened", title: str = "新设网点公示", days_ago: float = 0, **kw: Any
) -> PublicNotice:
    return PublicNotice.objects.create(
        kind=kind,
        title=title,
        body=kw.pop("body", "公示正文。"),
        published_at=timezone.now() - dt.timedelta(days=days_ago),
        **kw,
    )
