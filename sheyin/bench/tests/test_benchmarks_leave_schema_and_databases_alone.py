"""The benchmarks measure the platform's schema: none creates an index (the migrations carry them), and
none drops a database it did not create under a generated name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sheyin.bench import pgdb

BENCH = Path(pgdb.__file__).resolve().parent
INDEX_DDL = re.compile(r"CREATE\s+(UNIQUE\s+)?INDEX|AddIndex|ADD\s+PRIMARY\s+KEY", re.IGNORECASE)


def test_no_benchmark_module_creates_an_index() -> None:
    offenders = [p.name for p in BENCH.glob("*.py") if INDEX_DDL.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_only_pgdb_drops_databases() -> None:
    offenders = [p.name for p in BENCH.glob("*.py") if p.name != "pgdb.py"
                 and re.search(r"DROP\s+DATABASE", p.read_text(encoding="utf-8"), re.IGNORECASE)]  # fmt: skip
    assert offenders == []


def test_it_refuses_to_drop_a_database_it_did_not_create() -> None:
    with pytest.raises(PermissionError):
        pgdb.drop_database("sheyin")
    with pytest.raises(PermissionError):
        pgdb.drop_database(pgdb.generated_name())  # generated form, but not created by this process


def test_generated_names_are_unique_per_run_and_droppable_only_once_created() -> None:
    name = pgdb.generated_name()
    assert pgdb.GENERATED.fullmatch(name)
    assert not pgdb.may_drop(name)
    pgdb._created.add(name)
    try:
        assert pgdb.may_drop(name)
    finally:
        pgdb._created.discard(name)
