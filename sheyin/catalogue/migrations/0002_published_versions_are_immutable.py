"""Database guards: a published catalogue version and its items cannot change by any path (R5.2, R9.2).

Cases record the version they were accepted under, so what a published version says must stay what
it said. PostgreSQL refuses INSERT/UPDATE/DELETE of items of a published version and UPDATE/DELETE of
the published version row. SQLite (the embedded default) refuses INSERT/UPDATE the same way; DELETE is
refused there by the ORM guards and the items' foreign key (PROTECT), because Django's test harness
empties every table with a plain DELETE on SQLite and a trigger cannot tell that from a real delete
(on PostgreSQL the harness uses TRUNCATE, which row triggers do not see).
"""

from django.db import migrations

MESSAGE = "catalogue version is published and immutable"

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION catalogue_item_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
      SELECT 1 FROM catalogue_catalogueversion WHERE id = OLD.version_id AND status = 'published') THEN
    RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation', MESSAGE = '{MESSAGE}';
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
      SELECT 1 FROM catalogue_catalogueversion WHERE id = NEW.version_id AND status = 'published') THEN
    RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation', MESSAGE = '{MESSAGE}';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER catalogue_item_guard BEFORE INSERT OR UPDATE OR DELETE ON catalogue_serviceitem
  FOR EACH ROW EXECUTE FUNCTION catalogue_item_guard();

CREATE OR REPLACE FUNCTION catalogue_version_guard() RETURNS trigger AS $$
BEGIN
  IF OLD.status = 'published' THEN
    RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation', MESSAGE = '{MESSAGE}';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER catalogue_version_guard BEFORE UPDATE OR DELETE ON catalogue_catalogueversion
  FOR EACH ROW EXECUTE FUNCTION catalogue_version_guard();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS catalogue_item_guard ON catalogue_serviceitem;
DROP FUNCTION IF EXISTS catalogue_item_guard();
DROP TRIGGER IF EXISTS catalogue_version_guard ON catalogue_catalogueversion;
DROP FUNCTION IF EXISTS catalogue_version_guard();
"""

_published = "(SELECT status FROM catalogue_catalogueversion WHERE id = {row}.version_id) = 'published'"
SQLITE_FORWARD = [
    f"""CREATE TRIGGER catalogue_item_guard_insert BEFORE INSERT ON catalogue_serviceitem
WHEN {_published.format(row="NEW")}
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER catalogue_item_guard_update BEFORE UPDATE ON catalogue_serviceitem
WHEN {_published.format(row="OLD")} OR {_published.format(row="NEW")}
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER catalogue_version_guard_update BEFORE UPDATE ON catalogue_catalogueversion
WHEN OLD.status = 'published'
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS catalogue_item_guard_insert;",
    "DROP TRIGGER IF EXISTS catalogue_item_guard_update;",
    "DROP TRIGGER IF EXISTS catalogue_version_guard_update;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql, params=None)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_REVERSE:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
