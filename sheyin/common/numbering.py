"""One allocator for every business number (applications, agreements, outlet codes, plaques, receipts,
handover batches, tickets, findings …).

A number is `prefix` + a zero-padded counter. The counter lives in a `NumberSeries` row that the
allocation locks (`select_for_update`; SQLite serialises writers by its IMMEDIATE transactions), so two
requests at the same moment can never receive the same number. The caller's transaction holds the lock
until it commits; if it rolls back, the counter rolls back with it. The first allocation of a series
starts after the highest number already stored under that prefix, so series created before the
allocator existed continue without a gap or a clash.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connections, models, router, transaction
from django.db.models import Max

from .models import NumberSeries


def allocate(model: type[models.Model], field: str, prefix: str, width: int = 4) -> str:
    """The next free `field` value of `model` under `prefix`, e.g. allocate(Ticket, "number",
    "WT20261206", 4) → "WT202612060001". Must run inside the transaction that stores it."""
    n = _next(_series(model, field, prefix), lambda: _highest_stored(model, field, prefix))
    return f"{prefix}{n:0{width}d}"


def allocate_integer(model: type[models.Model], field: str) -> int:
    """The next value of an integer number field (e.g. a catalogue version number)."""
    return _next(
        f"{model._meta.label_lower}.{field}",
        lambda: model._default_manager.aggregate(m=Max(field))["m"] or 0,
    )


def restart(model: type[models.Model], field: str, prefix: str) -> None:
    """Forget the counter of a series, so that its next number follows the highest one stored under the
    prefix again: after rows numbered under it were renumbered (demo history moved back to the days it
    happened under the numbers of those days). Only while nothing else allocates under the prefix."""
    NumberSeries.objects.filter(key=_series(model, field, prefix)).delete()


def _series(model: type[models.Model], field: str, prefix: str) -> str:
    return f"{model._meta.label_lower}.{field}:{prefix}"


def _next(key: str, highest_stored: Callable[[], int]) -> int:
    n = _bump(key)
    if n is None:  # the series' first number: start after what is already stored under the prefix
        with transaction.atomic():
            NumberSeries.objects.bulk_create(
                [NumberSeries(key=key, last=highest_stored())], ignore_conflicts=True
            )
            n = _bump(key)
    if n is None:  # pragma: no cover - the row was just created
        raise RuntimeError(f"number series {key!r} missing")
    return n


def _bump(key: str) -> int | None:
    """Add one to the series and read the new value in one statement (`UPDATE … RETURNING`), which
    locks the row until the caller's transaction ends; None if the series does not exist yet."""
    conn = connections[router.db_for_write(NumberSeries)]
    if not conn.features.can_return_columns_from_insert:  # no RETURNING (SQLite before 3.35)
        with transaction.atomic(using=conn.alias):
            series = NumberSeries.objects.select_for_update().filter(key=key).first()
            if series is None:
                return None
            series.last += 1
            series.save(update_fields=["last"])
            return series.last
    q = conn.ops.quote_name
    table, last, key_col = q(NumberSeries._meta.db_table), q("last"), q("key")
    with conn.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {last} = {last} + 1 WHERE {key_col} = %s RETURNING {last}", [key])  # noqa: S608
        row = cursor.fetchone()
    return int(row[0]) if row else None


def _highest_stored(model: type[models.Model], field: str, prefix: str) -> int:
    highest = 0
    values = model._default_manager.filter(**{f"{field}__startswith": prefix}).values_list(field, flat=True)
    for value in values.iterator():
        tail = str(value)[len(prefix) :]
        if tail.isdigit():
            highest = max(highest, int(tail))
    return highest
