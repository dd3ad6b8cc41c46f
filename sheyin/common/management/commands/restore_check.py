"""A restore drill (docs/operations.md, "Backups" and "Restore"): back up, restore somewhere fresh, check.

1. Backup. The database: PostgreSQL with `pg_dump -Fc` inside an exported snapshot, so the row counts
   taken as the source's are exactly what the dump holds; SQLite with the online backup API (a consistent
   file copy, WAL included). The uploads: every file of the default storage (the `MEDIA_ROOT` folder or
   the S3 bucket), read through the storage API, with its SHA-256.
2. Restore into a database and a folder that did not exist: `pg_restore` into `<database>_restore_check`
   (`--target-db`), or the SQLite file copied; the files written into a new folder.
3. Check the restored copy: every table's row count and every file's SHA-256 against the source; then
   `manage.py audit_verify` run as its own process on the restored database (the keys of this process).
4. Print the recovery point (the backup time; the latest audit event, chain seal and signed checkpoint
   in the restored copy) and OK or FAILED; a mismatch or a broken chain exits non-zero.

`--from-backup DIR` restores a backup this command made before (`--keep` keeps it) instead of taking a
new one, to prove that last night's copy restores. The restored database is dropped at the end unless
`--keep`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

CHUNK = 1024 * 1024
MANIFEST = "manifest.json"


# --- the source and the restored database, with no model imported: only tables and rows ---------------
def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_tables(db: Any) -> list[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return sorted(r[0] for r in rows.fetchall())


def pg_tables(cur: Any) -> list[str]:
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return sorted(r[0] for r in cur.fetchall())


def counts_of(cur: Any, tables: list[str]) -> dict[str, int]:
    out = {}
    for t in tables:
        cur.execute(f"SELECT COUNT(*) FROM {_quote(t)}")  # noqa: S608  # a table name from the catalogue
        out[t] = int(cur.fetchone()[0])
    return out


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args(db: dict[str, Any]) -> list[str]:
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432)]
    return args + (["-U", str(db["USER"])] if db.get("USER") else [])


def _pg_connect(db: dict[str, Any], name: str | None = None) -> Any:
    import psycopg

    return psycopg.connect(
        dbname=name or db["NAME"], host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432,
        user=db.get("USER") or None, password=db.get("PASSWORD") or None, autocommit=True,
    )  # fmt: skip


def _run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise CommandError(f"{cmd[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


# --- files --------------------------------------------------------------------------------------------
def walk(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in `storage`, through the storage API (file system or bucket alike)."""
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for f in sorted(files):
        yield f"{folder}/{f}" if folder else f
    for d in sorted(dirs):
        yield from walk(storage, f"{folder}/{d}" if folder else d)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def backup_files(storage: Storage, target: Path) -> dict[str, str]:
    """Copy every stored file under `target`; its SHA-256 by name (computed on the copied bytes)."""
    hashes = {}
    for name in walk(storage):
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        h = hashlib.sha256()
        with storage.open(name, "rb") as src, dest.open("wb") as out:
            while chunk := src.read(CHUNK):
                h.update(chunk)
                out.write(chunk)
        hashes[name] = h.hexdigest()
    return hashes


def restore_files(backup: Path, target: Path) -> None:
    """The uploads folder restored from the backup (a bucket is restored the same way, from its copy)."""
    shutil.copytree(backup, target)


def hashes_in(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): sha256_of(p) for p in sorted(folder.rglob("*")) if p.is_file()}


# --- the drill ----------------------------------------------------------------------------------------
@dataclass
class Backup:
    folder: Path
    engine: str  # "postgresql" or "sqlite"
    taken_at: str  # ISO time, UTC
    counts: dict[str, int]
    files: dict[str, str]

    @property
    def db_file(self) -> Path:
        return self.folder / ("db.dump" if self.engine == "postgresql" else "db.sqlite3")

    def save(self) -> None:
        data = {"engine": self.engine, "taken_at": self.taken_at, "counts": self.counts, "files": self.files}
        (self.folder / MANIFEST).write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Backup:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return cls(folder, data["engine"], data["taken_at"], data["counts"], data["files"])


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.lines.append(line)


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise CommandError(f"restore_check knows PostgreSQL and SQLite, not {vendor}")
    return vendor


def take_backup(folder: Path, storage: Storage) -> Backup:
    folder.mkdir(parents=True, exist_ok=True)
    engine = _engine()
    db = settings.DATABASES["default"]
    taken_at = timezone.now()
    if engine == "postgresql":
        # One snapshot for the dump and the counts: they describe the same instant.
        with _pg_connect(db) as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
            cur = conn.cursor()
            counts = counts_of(cur, pg_tables(cur))
            _run(["pg_dump", *_pg_args(db), "-Fc", f"--snapshot={snapshot}", "-f", str(folder / "db.dump"),
                  str(db["NAME"])], env=_pg_env(db))  # fmt: skip
            conn.execute("COMMIT")
    else:
        connection.ensure_connection()
        raw = connection.connection
        with sqlite3.connect(folder / "db.sqlite3") as dst:
            raw.backup(dst)
        with sqlite3.connect(folder / "db.sqlite3") as copy:  # the copy is the snapshot: count it
            counts = counts_of(copy.cursor(), sqlite_tables(copy))
        copy.close()
    backup = Backup(folder, engine, taken_at.astimezone(dt.UTC).isoformat(), counts, {})
    backup.files = backup_files(storage, folder / "media")
    backup.save()
    return backup


def restore_database(backup: Backup, target: str, work: Path) -> str:
    """Restore into a database that did not exist; its DATABASE_URL."""
    db = settings.DATABASES["default"]
    if backup.engine == "postgresql":
        if target == db["NAME"]:
            raise CommandError("the restore target must not be the source database")
        with _pg_connect(db, "postgres") as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {_quote(target)}")
            conn.execute(f"CREATE DATABASE {_quote(target)}")
        _run(["pg_restore", *_pg_args(db), "--no-owner", "--exit-on-error", "-d", target, str(backup.db_file)],
             env=_pg_env(db))  # fmt: skip
        auth = str(db.get("USER") or "") + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{target}"
    restored = work / "restored.sqlite3"
    shutil.copyfile(backup.db_file, restored)
    return f"sqlite:///{restored}"


def drop_database(backup: Backup, target: str) -> None:
    if backup.engine == "postgresql":
        with _pg_connect(settings.DATABASES["default"], "postgres") as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {_quote(target)}")


class Restored:
    """Read-only questions to the restored database."""

    def __init__(self, backup: Backup, url: str, target: str) -> None:
        self.backup, self.url, self.target = backup, url, target

    def _cursor(self) -> Any:
        if self.backup.engine == "postgresql":
            self._conn = _pg_connect(settings.DATABASES["default"], self.target)
        else:
            self._conn = sqlite3.connect(self.url.removeprefix("sqlite:///"))
        return self._conn.cursor()

    def counts(self) -> dict[str, int]:
        cur = self._cursor()
        try:
            tables = pg_tables(cur) if self.backup.engine == "postgresql" else sqlite_tables(self._conn)
            return counts_of(cur, tables)
        finally:
            self._conn.close()

    def one(self, sql: str) -> tuple[Any, ...] | None:
        cur = self._cursor()
        try:
            cur.execute(sql)
            row = cur.fetchone()
            return tuple(row) if row else None
        finally:
            self._conn.close()


def _when(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):  # SQLite keeps UTC text
        value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
    local = timezone.localtime(value)
    return local.isoformat(sep=" ", timespec="seconds")


def compare_counts(source: dict[str, int], restored: dict[str, int], report: Report) -> None:
    for table in sorted(set(source) | set(restored)):
        s, r = source.get(table), restored.get(table)
        if s != r:
            report.problems.append(f"table {table}: {s if s is not None else 'absent'} rows in the source, "
                                   f"{r if r is not None else 'absent'} restored")  # fmt: skip
    matching = sum(1 for t, n in source.items() if restored.get(t) == n)
    report.say(f"rows:     {len(source)} tables, {sum(source.values()):,} rows in the source; "
               f"{matching} tables restored with the same count")  # fmt: skip


def compare_files(source: dict[str, str], restored: dict[str, str], report: Report) -> None:
    missing = sorted(set(source) - set(restored))
    altered = sorted(n for n in set(source) & set(restored) if source[n] != restored[n])
    extra = sorted(set(restored) - set(source))
    report.problems += [f"file missing after the restore: {n}" for n in missing]
    report.problems += [f"file altered (SHA-256 differs): {n}" for n in altered]
    report.problems += [f"file not in the backup: {n}" for n in extra]
    size = len(source) - len(missing) - len(altered)
    report.say(f"files:    {len(source)} in the source; {size} restored with the same SHA-256, "
               f"{len(missing)} missing, {len(altered)} altered, {len(extra)} unexpected")  # fmt: skip


def verify_audit(url: str, full: bool, report: Report) -> None:
    """`audit_verify` as its own process on the restored database, with this process's settings and keys."""
    env = {**os.environ, "DATABASE_URL": url, "DATABASE_REPLICA_URL": ""}
    cmd = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "audit_verify"] + (
        ["--full"] if full else []
    )
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, cwd=settings.BASE_DIR)
    said = (done.stdout.strip() or done.stderr.strip()).splitlines()
    verdict = said[-1] if said else f"exit {done.returncode}"
    report.say(f"audit:    {verdict}")
    if done.returncode:
        report.problems.append(f"audit_verify on the restored copy failed: {verdict}")


def recovery_point(restored: Restored, backup: Backup, report: Report) -> None:
    event = restored.one("SELECT MAX(at), COUNT(*) FROM audit_auditevent")
    head = restored.one("SELECT last_seq, sealed_at FROM audit_chainhead WHERE id = 1")
    checkpoint = restored.one("SELECT seq, made_at FROM audit_chaincheckpoint ORDER BY seq DESC LIMIT 1")
    report.say("recovery point (as restored, before audit_verify adds its checkpoint):")
    report.say(f"  backup taken         {_when(dt.datetime.fromisoformat(backup.taken_at))}")
    report.say(
        f"  latest audit event   {_when(event[0] if event else None)}  ({event[1] if event else 0:,} events)"
    )
    report.say(f"  chain sealed to      #{head[0] if head else 0} at {_when(head[1] if head else None)}")
    report.say(
        f"  signed checkpoint    #{checkpoint[0]} made {_when(checkpoint[1])}" if checkpoint else
        "  signed checkpoint    none"
    )  # fmt: skip


class Command(BaseCommand):
    help = "Restore drill: back up the database and the uploads, restore into a fresh database and folder, verify."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workdir", help="where the backup and the restored folder go (default: a temporary one)"
        )
        parser.add_argument("--from-backup", help="restore this earlier backup (a folder made with --keep)")
        parser.add_argument(
            "--target-db", help="PostgreSQL: the database to restore into (default <name>_restore_check)"
        )
        parser.add_argument(
            "--full", action="store_true", help="verify the whole audit chain, not from the checkpoint"
        )
        parser.add_argument(
            "--keep", action="store_true", help="keep the backup, the restored database and folder"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        work = Path(options["workdir"] or tempfile.mkdtemp(prefix="sheyin-restore-"))
        work.mkdir(parents=True, exist_ok=True)
        target = options["target_db"] or f"{settings.DATABASES['default']['NAME']}_restore_check"
        report = Report()
        if options["from_backup"]:
            backup = Backup.load(Path(options["from_backup"]))
            self.stdout.write(f"backup:   {backup.folder} (taken {backup.taken_at})")
        else:
            backup = take_backup(work / "backup", default_storage)
            self.stdout.write(
                f"backup:   {backup.db_file.name} and {len(backup.files)} files in {backup.folder}"
            )
        restored_media = work / "restored-media"
        if restored_media.exists():
            raise CommandError(f"{restored_media} exists: a restore goes into a fresh folder")
        url = restore_database(backup, target, work)
        restore_files(backup.folder / "media", restored_media)
        shown = url.split("@")[-1] if "@" in url else url
        self.stdout.write(f"restored: database {shown}, files in {restored_media}")
        try:
            restored = Restored(backup, url, target)
            compare_counts(backup.counts, restored.counts(), report)  # before audit_verify adds a checkpoint
            compare_files(backup.files, hashes_in(restored_media), report)
            recovery_point(restored, backup, report)  # the checkpoint the backup holds, not the drill's
            verify_audit(url, bool(options["full"]), report)
        finally:
            if not options["keep"]:
                drop_database(backup, target)
                if not options["workdir"]:
                    shutil.rmtree(work, ignore_errors=True)
        for line in report.lines:
            self.stdout.write(line)
        if report.problems:
            for p in report.problems:
                self.stdout.write(f"  ✗ {p}")
            raise CommandError(f"恢复演练未通过 / restore drill FAILED: {len(report.problems)} problem(s)")
        self.stdout.write("恢复演练通过 / restore drill OK: the restored copy matches the source")
