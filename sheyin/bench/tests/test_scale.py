"""The scale builder's statements: every column of the real table is given (the rest at its model default)
and the chunks cover the rows exactly once."""

from __future__ import annotations

import pytest

from sheyin.bench import scale


def test_chunks_cover_every_row_once_in_order() -> None:
    assert scale._ranges(1, 10, 4) == [(1, 4), (5, 8), (9, 10)]
    assert scale._ranges(5, 5, 4) == [(5, 5)]
    assert scale._ranges(6, 5, 4) == []


def test_an_insert_names_every_column_and_gives_the_rest_their_model_defaults() -> None:
    from sheyin.supervision.models import Finding

    given = ("number", "source", "outlet_id", "district_id", "bank_id", "title", "status", "found_at")
    exprs = ("'F1'", "'public_feedback'", "o.id", "o.district_id", "o.bank_id", "'t'", "'open'", "now()")
    sql = scale._insert(Finding, given, exprs, "FROM institutions_outlet o")
    head, select = sql.split("\nSELECT ", 1)
    columns = head.split("(", 1)[1].rstrip(")").split(", ")
    assert columns[: len(given)] == list(given)
    expected = {f.column for f in Finding._meta.concrete_fields if not f.primary_key}
    assert set(columns) == expected and len(columns) == len(expected)
    assert select.startswith(", ".join(exprs) + ", ") and select.endswith("FROM institutions_outlet o")


def test_an_insert_with_a_missing_expression_is_refused() -> None:
    from sheyin.supervision.models import Finding

    with pytest.raises(ValueError):
        scale._insert(Finding, ("number", "outlet_id"), ("'F1'",), "")
    with pytest.raises(ValueError):  # a column with no default that is not given
        scale._insert(Finding, ("number",), ("'F1'",), "")
