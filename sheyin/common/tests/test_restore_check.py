"""The restore drill (`manage.py restore_check`): a real backup of this test's database (pg_dump on
PostgreSQL, the SQLite backup API otherwise) and of the uploads — in a folder, or in a bucket of a local S3
server (moto) — restored into a fresh database and a fresh folder or bucket, checked by row counts, SHA-256
of every file read back from where it was restored, and audit_verify; a partial restore fails it."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from sheyin.audit.models import AuditEvent
from sheyin.common.management.commands import restore_check
from sheyin.common.tests.conftest import S3_LOCATION
from sheyin.support import services
from sheyin.support.models import Category, Ticket
from sheyin.support.tests.factories import world

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


@pytest.fixture(params=["folder", "bucket"])
def uploads(request, settings, tmp_path: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Where the uploads are: a folder of the test's own, or a fresh bucket of the local S3 server (then the
    drill restores into another fresh bucket); the drill's extra options."""
    if request.param == "folder":
        settings.MEDIA_ROOT = tmp_path / "media"
        return {}
    request.getfixturevalue("s3_bucket")
    return {"target_bucket": request.getfixturevalue("new_bucket")()}


@pytest.fixture
def source(reference, uploads) -> Ticket:  # type: ignore[no-untyped-def]
    """A ticket with two scans in the uploads, and its audit events sealed."""
    w = world()
    scans = [SimpleUploadedFile(f"scan-{n}.png", PNG + bytes([n]), content_type="image/png") for n in (1, 2)]
    ticket = services.ticket_raise(category=Category.OTHER, title="扫描件", description="描述一下问题",
                                   attachments=scans, by=w.staff)  # fmt: skip
    call_command("audit_seal", verbosity=0)
    return ticket


def _drill(tmp_path: Path, **options: Any) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command("restore_check", workdir=str(tmp_path / "drill"), stdout=out, **options)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def _restore_database_exists(name: str) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cur.fetchone() is not None


def test_a_drill_restores_a_copy_that_matches_and_prints_the_recovery_point(
    source, uploads, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    output, failure = _drill(tmp_path, **uploads)
    assert failure is None, output
    assert "restore drill OK" in output
    assert "2 in the source; 2 restored with the same SHA-256, 0 missing, 0 altered" in output
    assert "audit:    audit chain OK" in output
    events = AuditEvent.objects.count()
    assert events > 0
    assert f"({events:,} events)" in output
    latest = AuditEvent.objects.order_by("-at").first()
    assert f"latest audit event   {latest.at.astimezone().strftime('%Y-%m-%d')}" in output
    assert "  backup taken         " in output
    assert "signed checkpoint    none" in output  # the backup held none; the drill's own is not shown
    if connection.vendor == "postgresql":  # the restored database is a drill's: dropped at the end
        assert not _restore_database_exists(f"{connection.settings_dict['NAME']}_restore_check")


def test_a_file_missing_or_altered_after_the_restore_fails_the_drill(
    source, uploads, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    lost, damaged = (a.file.name for a in source.attachments.order_by("pk"))
    real_restore = restore_check.restore_files

    def partial_restore(backup: Path, target: Storage) -> None:  # one object lost, another damaged
        real_restore(backup, target)
        target.delete(lost)
        target.delete(damaged)
        assert target.save(damaged, ContentFile(PNG + b"changed")) == damaged

    monkeypatch.setattr(restore_check, "restore_files", partial_restore)
    output, failure = _drill(tmp_path, **uploads)
    assert failure is not None
    assert failure.returncode == 1  # manage.py exits 1
    assert "restore drill FAILED: 2 problem(s)" in str(failure)
    assert "2 in the source; 0 restored with the same SHA-256, 1 missing, 1 altered" in output
    assert f"file missing after the restore: {lost}" in output
    assert f"file altered (SHA-256 differs): {damaged}" in output
    assert "restore drill OK" not in output


@pytest.mark.parametrize("uploads", ["folder"], indirect=True)
def test_a_row_lost_or_an_audit_event_rewritten_in_the_restore_fails_the_drill(
    source, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    real_restore = restore_check.restore_database

    def tampered_restore(backup: Any, target: str, work: Path) -> str:
        url = real_restore(backup, target, work)
        restored = restore_check.Restored(backup, url, target)
        cur = restored._cursor()
        # Someone with the database's owner rights rewrites history (the append-only guard lifted first).
        if backup.engine == "postgresql":
            cur.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_guard")
        else:
            cur.execute("DROP TRIGGER audit_event_guard")
        cur.execute(
            "UPDATE audit_auditevent SET reason = 'rewritten' WHERE id = (SELECT MIN(id) FROM audit_auditevent)"
        )
        cur.execute(
            "DELETE FROM support_ticketattachment WHERE id = (SELECT MAX(id) FROM support_ticketattachment)"
        )
        restored._conn.commit()
        restored._conn.close()
        return url

    monkeypatch.setattr(restore_check, "restore_database", tampered_restore)
    output, failure = _drill(tmp_path)
    assert failure is not None
    assert "table support_ticketattachment: 2 rows in the source, 1 restored" in output
    assert "audit_verify on the restored copy failed: " in output and "BROKEN at sequence 1" in output


def test_without_a_target_bucket_the_files_go_under_a_prefix_of_their_own_and_are_removed_after(
    reference, s3_bucket, s3_client, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    w = world()
    services.ticket_raise(category=Category.OTHER, title="扫描件", description="描述一下问题", by=w.staff,
                          attachments=[SimpleUploadedFile("scan.png", PNG, content_type="image/png")])  # fmt: skip
    before = _keys(s3_client, s3_bucket)
    output, failure = _drill(tmp_path)
    assert failure is None, output
    assert f"files in s3://{s3_bucket}/restore-check/" in output
    assert "1 in the source; 1 restored with the same SHA-256, 0 missing, 0 altered" in output
    assert _keys(s3_client, s3_bucket) == before  # the source objects untouched, the restored ones gone
    assert all(k.startswith(f"{S3_LOCATION}/") for k in before) and len(before) == 1


def test_a_target_bucket_that_holds_files_or_is_the_source_is_refused(
    reference, s3_bucket, s3_client, new_bucket: Callable[[], str], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    used = new_bucket()
    s3_client.put_object(Bucket=used, Key=f"{S3_LOCATION}/old.png", Body=PNG)
    _, failure = _drill(tmp_path, target_bucket=used)
    assert failure is not None and "holds files: a restore goes into a fresh folder or bucket" in str(failure)
    _, failure = _drill(tmp_path, target_bucket=s3_bucket)
    assert failure is not None and "must not be the source bucket" in str(failure)
    assert _keys(s3_client, used) == [f"{S3_LOCATION}/old.png"]


def _keys(s3_client: Any, bucket: str) -> list[str]:
    return sorted(o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_a_bucket_used_without_a_prefix_is_backed_up_without_the_drills_own_restored_copies(
    s3_server, s3_client, new_bucket: Callable[[], str], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from sheyin.common.storage import PrivateS3Storage
    from sheyin.common.tests.conftest import S3_KEYS

    bucket = new_bucket()
    s3_client.put_object(Bucket=bucket, Key="support/scan.png", Body=PNG)
    s3_client.put_object(Bucket=bucket, Key="restore-check/20261206T000000Z/support/scan.png", Body=PNG)
    storage = PrivateS3Storage(bucket_name=bucket, endpoint_url=s3_server, location="", **S3_KEYS)
    assert list(restore_check.backup_files(storage, tmp_path / "media")) == ["support/scan.png"]
