"""The restore drill (`manage.py restore_check`): a real backup of this test's database (pg_dump on
PostgreSQL, the SQLite backup API otherwise) and of the uploads, restored into a fresh database and
folder, checked by row counts, SHA-256 of every file and audit_verify; a partial restore fails it."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from sheyin.audit.models import AuditEvent
from sheyin.common.management.commands import restore_check
from sheyin.support import services
from sheyin.support.models import Category, Ticket
from sheyin.support.tests.factories import world

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


@pytest.fixture
def source(reference, settings, tmp_path: Path) -> Ticket:  # type: ignore[no-untyped-def]
    """A ticket with two scans in an uploads folder of the test's own, and its audit events sealed."""
    settings.MEDIA_ROOT = tmp_path / "media"
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


def test_a_drill_restores_a_copy_that_matches_and_prints_the_recovery_point(source, tmp_path) -> None:  # type: ignore[no-untyped-def]
    output, failure = _drill(tmp_path)
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


def test_a_file_missing_or_altered_after_the_restore_fails_the_drill(source, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    lost, damaged = (a.file.name for a in source.attachments.order_by("pk"))

    def partial_restore(backup: Path, target: Path) -> None:
        shutil.copytree(backup, target)
        (target / lost).unlink()
        (target / damaged).write_bytes(PNG + b"changed")

    monkeypatch.setattr(restore_check, "restore_files", partial_restore)
    output, failure = _drill(tmp_path)
    assert failure is not None
    assert "restore drill FAILED: 2 problem(s)" in str(failure)
    assert f"file missing after the restore: {lost}" in output
    assert f"file altered (SHA-256 differs): {damaged}" in output
    assert "restore drill OK" not in output


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
