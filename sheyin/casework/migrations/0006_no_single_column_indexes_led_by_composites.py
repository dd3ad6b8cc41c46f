"""Case and archive record: no single-column index on columns that lead a composite index (Meta.indexes).

The state change is Django's AlterField (db_index=False); the database change only drops the indexes
(Django's AlterField would also drop and re-validate each foreign key, a scan of the table per key).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DROPPED = [
    ("casework_archiverecord_bank_id_0a520f0a", "casework_archiverecord", "bank_id"),
    ("casework_archiverecord_district_id_1067aa80", "casework_archiverecord", "district_id"),
    ("casework_archiverecord_outlet_id_d40f3fea", "casework_archiverecord", "outlet_id"),
    ("casework_case_applicant_index_c7e51262", "casework_case", "applicant_index"),
    ("casework_case_bank_id_da560f8e", "casework_case", "bank_id"),
    ("casework_case_district_id_bc82c7d6", "casework_case", "district_id"),
    ("casework_case_outlet_id_c004ce0c", "casework_case", "outlet_id"),
    ("casework_case_staff_id_b089fce9", "casework_case", "staff_id"),
]


def drop(apps, schema_editor) -> None:
    names = [name for name, _table, _column in DROPPED]
    if schema_editor.connection.vendor == "postgresql":
        names.append("casework_case_applicant_index_c7e51262_like")  # varchar_pattern_ops twin
    for name in names:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def restore(apps, schema_editor) -> None:
    for name, table, column in DROPPED:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")')


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0005_indexes_for_scale"),
        ("institutions", "0004_outlet_floor_area"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="archiverecord",
                    name="bank",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="institutions.bank",
                    ),
                ),
                migrations.AlterField(
                    model_name="archiverecord",
                    name="district",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="institutions.agency",
                        verbose_name="接收区",
                    ),
                ),
                migrations.AlterField(
                    model_name="archiverecord",
                    name="outlet",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="institutions.outlet",
                        verbose_name="网点",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="applicant_index",
                    field=models.CharField(blank=True, max_length=64),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="bank",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="institutions.bank",
                        verbose_name="银行",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="district",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="institutions.agency",
                        verbose_name="所在区",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="outlet",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="institutions.outlet",
                        verbose_name="受理网点",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="staff",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases_accepted",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="经办人",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop, restore)],
        ),
    ]
