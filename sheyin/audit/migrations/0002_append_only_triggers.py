"""Database guards: audit rows cannot be deleted, and a sealed row cannot be changed by any path.

The sealer may only fill seq/prev_hash/hash on an unsealed row. On PostgreSQL both UPDATE and DELETE
are refused; on SQLite (the embedded default) UPDATE is refused, DELETE is left to the test harness,
which empties tables between tests.
"""

from django.db import migrations

COLUMNS = [
    "at", "actor_id", "actor_name", "role", "organisation", "action", "object_type", "object_id",
    "object_repr", "outcome", "reason", "before", "after", "client_address",
]  # fmt: skip

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION audit_event_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'audit events are append-only: DELETE refused';
  END IF;
  IF OLD.seq IS NOT NULL OR OLD.hash <> '' THEN
    RAISE EXCEPTION 'audit events are append-only: sealed event % cannot change', OLD.id;
  END IF;
  IF NEW.id IS DISTINCT FROM OLD.id OR ROW({", ".join("NEW." + c + "::text" for c in COLUMNS)})
     IS DISTINCT FROM ROW({", ".join("OLD." + c + "::text" for c in COLUMNS)}) THEN
    RAISE EXCEPTION 'audit events are append-only: only sealing may touch event %', OLD.id;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_guard BEFORE UPDATE OR DELETE ON audit_auditevent
  FOR EACH ROW EXECUTE FUNCTION audit_event_guard();
"""
PG_REVERSE = "DROP TRIGGER IF EXISTS audit_event_guard ON audit_auditevent; DROP FUNCTION IF EXISTS audit_event_guard();"

_changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in COLUMNS)
SQLITE_FORWARD = f"""
CREATE TRIGGER audit_event_guard BEFORE UPDATE ON audit_auditevent
WHEN OLD.seq IS NOT NULL OR OLD.hash <> '' OR NEW.id IS NOT OLD.id OR {_changed}
BEGIN
  SELECT RAISE(ABORT, 'audit events are append-only');
END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS audit_event_guard;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)  # the SQL has literal % signs
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
