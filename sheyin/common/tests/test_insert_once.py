"""`insert_once`: one statement that inserts a row unless an equal one exists (the API's nonces and
idempotency keys), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sheyin.common.db import insert_once
from sheyin.common.models import NumberSeries

pytestmark = pytest.mark.django_db


def test_it_inserts_a_new_row_with_its_defaults_in_one_statement_and_returns_it_saved() -> None:
    with CaptureQueriesContext(connection) as ctx:
        row = insert_once(NumberSeries, key="test.series")
    assert len(ctx.captured_queries) == 1
    assert row is not None and row.pk and not row._state.adding
    stored = NumberSeries.objects.get(key="test.series")
    assert stored.pk == row.pk and stored.last == 0  # the model default
    row.last = 7
    row.save(update_fields=["last"])  # an update of the row just inserted, not a second insert
    assert NumberSeries.objects.filter(key="test.series").get().last == 7


def test_an_equal_row_is_left_alone_and_none_returned_without_an_error() -> None:
    NumberSeries.objects.create(key="test.taken", last=5)
    assert insert_once(NumberSeries, key="test.taken", last=9) is None
    assert NumberSeries.objects.get(key="test.taken").last == 5
    assert NumberSeries.objects.filter(key="test.taken").count() == 1
    # the transaction is still usable: nothing failed
    assert insert_once(NumberSeries, key="test.free") is not None
