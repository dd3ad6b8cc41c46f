"""Uploads and generated documents through Django's storage API: the file system by default, an S3-compatible
bucket in production (sheyin.common.storage), always served through the permission-checked views; a record
whose file is missing (a partial restore) answers 404 with a message, never 500 (docs/operations.md)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sheyin.common.storage import PrivateS3Storage
from sheyin.common.tests.conftest import S3_KEYS, S3_LOCATION
from sheyin.staffing.tests.factories import StaffFactory, active_grant, staff_with_account
from sheyin.support import services
from sheyin.support.models import Category, Ticket
from sheyin.support.tests.factories import world

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


def _ticket_with_attachment() -> tuple[Any, Ticket, Any]:
    w = world()
    active_grant(StaffFactory(outlet=w.outlet, user=w.staff))
    colleague = staff_with_account(w.outlet).user
    active_grant(colleague.staff_member)
    upload = SimpleUploadedFile("scan.png", PNG, content_type="image/png")
    ticket = services.ticket_raise(category=Category.OTHER, title="扫描件", description="描述一下问题",
                                   attachments=[upload], by=w.staff)  # fmt: skip
    return w, ticket, colleague


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else bytes(response.content)


def test_an_upload_lands_in_the_bucket_and_is_read_back_only_through_the_view(
    client, reference, s3_bucket, s3_client
) -> None:  # type: ignore[no-untyped-def]
    w, ticket, colleague = _ticket_with_attachment()
    att = ticket.attachments.get()
    assert isinstance(att.file.storage, PrivateS3Storage)
    stored = s3_client.get_object(Bucket=s3_bucket, Key=f"{S3_LOCATION}/{att.file.name}")
    assert stored["Body"].read() == PNG  # in the bucket, not on this host's disk
    client.force_login(w.staff)
    answer = client.get(reverse("support:attachment", args=[att.pk]))
    assert answer.status_code == 200 and _body(answer) == PNG
    client.force_login(colleague)  # outside the ticket's scope: refused, however the file is stored
    assert client.get(reverse("support:attachment", args=[att.pk])).status_code == 404


def test_the_bucket_storage_hands_out_no_public_or_signed_address() -> None:
    storage = PrivateS3Storage(bucket_name="sheyin-uploads", endpoint_url="http://127.0.0.1:9", **S3_KEYS)
    url = storage.url("support/2026/scan.png")
    assert url == "/media-protected/support/2026/scan.png"
    assert "Signature" not in url and "X-Amz" not in url and "://" not in url


def test_a_file_missing_from_the_bucket_answers_404_with_a_message(
    client, reference, s3_bucket, s3_client
) -> None:  # type: ignore[no-untyped-def]
    w, ticket, _ = _ticket_with_attachment()
    att = ticket.attachments.get()
    s3_client.delete_object(
        Bucket=s3_bucket, Key=f"{S3_LOCATION}/{att.file.name}"
    )  # the restore brought the row only
    client.force_login(w.staff)
    answer = client.get(reverse("support:attachment", args=[att.pk]))
    assert answer.status_code == 404
    assert "文件暂不可用" in answer.content.decode()


def test_a_file_missing_from_the_file_system_answers_404_with_a_message_never_500(client, reference) -> None:  # type: ignore[no-untyped-def]
    w, ticket, colleague = _ticket_with_attachment()
    att = ticket.attachments.get()
    att.file.storage.delete(att.file.name)
    client.force_login(w.staff)
    answer = client.get(reverse("support:attachment", args=[att.pk]))
    assert answer.status_code == 404
    page = answer.content.decode()
    assert "文件暂不可用" in page and "尚未从备份中恢复" in page
    client.force_login(colleague)  # the permission check still comes first: no hint that a file is missing
    refused = client.get(reverse("support:attachment", args=[att.pk]))
    assert refused.status_code == 404 and "文件暂不可用" not in refused.content.decode()
