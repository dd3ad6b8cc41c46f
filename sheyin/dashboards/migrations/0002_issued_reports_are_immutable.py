"""Database guard: an issued statistical report never changes (a reissue is a new version).

PostgreSQL refuses UPDATE and DELETE of an issued report. SQLite (the embedded default) refuses UPDATE the
same way; DELETE is refused there by the ORM (the report is PROTECTed by the runs that made it), because
Django's test harness empties every table with a plain DELETE on SQLite and a trigger cannot tell that from
a real delete (on PostgreSQL the harness uses TRUNCATE, which row triggers do not see).
"""

from django.db import migrations

MESSAGE = "issued reports are immutable"

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION dashboards_report_guard() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation', MESSAGE = '{MESSAGE}';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER dashboards_report_guard BEFORE UPDATE OR DELETE ON dashboards_issuedreport
  FOR EACH ROW EXECUTE FUNCTION dashboards_report_guard();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS dashboards_report_guard ON dashboards_issuedreport;
DROP FUNCTION IF EXISTS dashboards_report_guard();
"""
SQLITE_FORWARD = f"""CREATE TRIGGER dashboards_report_guard_update BEFORE UPDATE ON dashboards_issuedreport
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS dashboards_report_guard_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0001_figures_and_reports")]
    operations = [migrations.RunPython(forward, reverse)]
