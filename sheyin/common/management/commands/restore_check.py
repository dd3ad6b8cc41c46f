"""A restore drill (docs/operations.md, "Backups" and "Restore"): back up, restore somewhere fresh, check.

1. Backup. The database: PostgreSQL with `pg_dump -Fc` inside an exported snapshot, so the row counts
   taken as the source's are exactly what the dump holds; SQLite with the online backup API (a consistent
   file copy, WAL included). The uploads: every file of the default storage (the `MEDIA_ROOT` folder or
   the S3 bucket), read through the storage API, with its SHA-256.
2. Restore into a database and a storage that held nothing: `pg_restore` into `<database>_restore_check`
   (`--target-db`), or the SQLite file copied; the files written through the storage API into a new
   folder (file-system storage) or, with the S3 storage, into `--target-bucket` (an empty bucket) or else
   a prefix of their own in the same bucket (`restore-check/<time>/`), never over the source's objects.
3. Check the restored copy: every table's row count against the source; every file read back from the
   restored storage (the bucket itself, not the backup's copy) and its SHA-256 compared; then
   `manage.py audit_verify` run as its own process on the restored database (the keys of this process).
4. Print the recovery point (the backup time; the latest audit event, chain seal and signed checkpoint
   in the restored copy) and OK or FAILED; a mismatch or a broken chain exits non-zero.

`--from-backup DIR` restores a backup this command made before (`--keep` keeps it) instead of taking a
new one, to prove that last night's copy restores. The restored database, and the files restored into a
bucket, are removed at the end unless `--keep`.
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
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage, storages
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone
from storages.backends.s3 import S3Storage

CHUNK = 1024 * 1024
MANIFEST = "manifest.json"
RESTORE_PREFIX = "restore-check"  # in the source bucket, when no --target-bucket is given


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
    """Copy every stored file under `target`; its SHA-256 by name (computed on the copied bytes). A bucket
    used without a prefix also holds the drills' own restored copies (RESTORE_PREFIX): not uploads."""
    hashes = {}
    for name in walk(storage):
        if is_bucket(storage) and name.startswith(f"{RESTORE_PREFIX}/"):
            continue
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        h = hashlib.sha256()
        with storage.open(name, "rb") as src, dest.open("wb") as out:
            while chunk := src.read(CHUNK):
                h.update(chunk)
                out.write(chunk)
        hashes[name] = h.hexdigest()
    return hashes


def restore_files(backup: Path, target: Storage) -> None:
    """The backup's copy of the uploads written into `target` (an empty folder, bucket or prefix) under the
    same names, through the storage API, as an operator's restore would put them back."""
    for path in sorted(backup.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(backup).as_posix()
        with path.open("rb") as fh:
            saved = target.save(name, File(fh, name=name))
        if saved != name:
            raise CommandError(f"the restore target renamed {name} to {saved}: it was not empty")


def hashes_in(storage: Storage) -> dict[str, str]:
    """SHA-256 of every file in `storage`, read back through the storage API (the folder or the bucket)."""
    out = {}
    for name in walk(storage):
        h = hashlib.sha256()
        with storage.open(name, "rb") as fh:
            while chunk := fh.read(CHUNK):
                h.update(chunk)
        out[name] = h.hexdigest()
    return out


def is_bucket(storage: Storage) -> bool:
    return isinstance(storage, S3Storage)  # also through default_storage's lazy wrapper


def restore_target(source: Storage, work: Path, bucket: str | None, stamp: str) -> Storage:
    """Where the files are restored: a new folder in the work folder (file-system storage); for a bucket,
    the same storage class and options with `bucket` (an empty bucket, same prefix) or, without it, the
    source bucket under `restore-check/<stamp>/`."""
    if not is_bucket(source):
        if bucket:
            raise CommandError("--target-bucket is for the S3 storage; the files are on the file system")
        return FileSystemStorage(location=work / "restored-media")
    params: dict[str, Any] = settings.STORAGES["default"]
    options: dict[str, Any] = dict(params.get("OPTIONS", {}))
    if bucket:
        if bucket == options.get("bucket_name"):
            raise CommandError("the target bucket must not be the source bucket")
        options["bucket_name"] = bucket
    else:
        options["location"] = f"{RESTORE_PREFIX}/{stamp}"
    return storages.create_storage({**params, "OPTIONS": options})


def where(storage: Storage) -> str:
    if isinstance(storage, S3Storage):
        prefix = storage.location
        return f"s3://{storage.bucket_name}/{prefix + '/' if prefix else ''}"
    return str(getattr(storage, "location", storage))


def remove_files(storage: Storage) -> None:
    for name in list(walk(storage)):
        storage.delete(name)


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
            "--target-bucket",
            help="S3 storage: an empty bucket to restore the files into (default: a prefix of their own, "
            "restore-check/<time>/, in the source bucket)",
        )
        parser.add_argument(
            "--full", action="store_true", help="verify the whole audit chain, not from the checkpoint"
        )
        parser.add_argument(
            "--keep", action="store_true", help="keep the backup, the restored database and files"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        work = Path(options["workdir"] or tempfile.mkdtemp(prefix="sheyin-restore-"))
        work.mkdir(parents=True, exist_ok=True)
        target = options["target_db"] or f"{settings.DATABASES['default']['NAME']}_restore_check"
        report = Report()
        stamp = timezone.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        files_to = restore_target(default_storage, work, options["target_bucket"], stamp)
        if next(walk(files_to), None) is not None:
            raise CommandError(f"{where(files_to)} holds files: a restore goes into a fresh folder or bucket")
        if options["from_backup"]:
            backup = Backup.load(Path(options["from_backup"]))
            self.stdout.write(f"backup:   {backup.folder} (taken {backup.taken_at})")
        else:
            backup = take_backup(work / "backup", default_storage)
            self.stdout.write(
                f"backup:   {backup.db_file.name} and {len(backup.files)} files in {backup.folder}"
            )
        url = restore_database(backup, target, work)
        try:
            (backup.folder / "media").mkdir(exist_ok=True)  # a backup of no file at all
            restore_files(backup.folder / "media", files_to)
            shown = url.split("@")[-1] if "@" in url else url
            self.stdout.write(f"restored: database {shown}, files in {where(files_to)}")
            restored = Restored(backup, url, target)
            compare_counts(backup.counts, restored.counts(), report)  # before audit_verify adds a checkpoint
            compare_files(backup.files, hashes_in(files_to), report)
            recovery_point(restored, backup, report)  # the checkpoint the backup holds, not the drill's
            verify_audit(url, bool(options["full"]), report)
        finally:
            if not options["keep"]:
                drop_database(backup, target)
                if is_bucket(files_to):
                    remove_files(files_to)
                if not options["workdir"]:
                    shutil.rmtree(work, ignore_errors=True)
        for line in report.lines:
            self.stdout.write(line)
        if report.problems:
            for p in report.problems:
                self.stdout.write(f"  ✗ {p}")
            raise CommandError(f"恢复演练未通过 / restore drill FAILED: {len(report.problems)} problem(s)")
        self.stdout.write("恢复演练通过 / restore drill OK: the restored copy matches the source")
