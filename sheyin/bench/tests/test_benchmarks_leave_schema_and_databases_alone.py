"""The benchmarks measure the platform's schema: none creates an index (the migrations carry them), and
none drops a database it did not create under a generated name. (The scale build sets its bulk tables'
own indexes aside and puts the migrated definitions back: `test_bulk.py` shows the schema comes back
exactly as migrated.)"""

from __future__ import annotations

import importlib.util
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


def test_the_load_benchmarks_anchor_views_are_not_in_the_products_urls() -> None:
    from django.urls import NoReverseMatch, get_resolver, reverse

    from sheyin.bench import load_urls

    product = get_resolver("config.urls")
    for name in ("bench_json", "bench_rw"):
        assert reverse(name, urlconf="sheyin.bench.load_urls").startswith(f"/{load_urls.ANCHOR_PREFIX}")
        with pytest.raises(NoReverseMatch):
            reverse(name, urlconf="config.urls")
    assert not any(load_urls.ANCHOR_PREFIX in str(p.pattern) for p in product.url_patterns)
    assert "sheyin.bench" not in Path(BENCH.parent.parent / "config" / "urls.py").read_text(encoding="utf-8")


class _Process:
    def send_signal(self, sig: int) -> None:
        pass

    def wait(self, timeout: float | None = None) -> int:
        return 0


def test_the_load_benchmark_drops_the_database_it_created_and_never_one_it_reused(monkeypatch) -> None:
    from sheyin.bench import load

    created: list[str] = []
    dropped: list[str] = []
    monkeypatch.setattr(load.pgdb, "create_database", created.append)
    monkeypatch.setattr(load.pgdb, "drop_database", dropped.append)
    monkeypatch.setattr(load.pgdb, "exists", lambda name: True)
    monkeypatch.setattr(load.subprocess, "Popen", lambda *a, **k: _Process())
    monkeypatch.setattr(load, "_wait_port", lambda port: None)
    # Locust is a bench-only dependency that `make test` does not install: stand in for it being there
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: object() if name == "locust" else find_spec(name, *a)
    )

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("stopped")

    monkeypatch.setattr(load.subprocess, "run", fail)  # the build fails: what it created is dropped
    with pytest.raises(RuntimeError):
        load.main(["--cases", "10"])
    assert len(created) == 1 and pgdb.GENERATED.fullmatch(created[0])
    assert dropped == created

    created.clear()
    dropped.clear()
    monkeypatch.setattr(load, "prepare", fail)  # a reused data set: never dropped
    for key in ("SHEYIN_SECRET_KEY", "SHEYIN_DATA_KEY", "SHEYIN_INDEX_KEY"):
        monkeypatch.setenv(key, "x")
    with pytest.raises(RuntimeError):
        load.main(["--db", "sheyin_bench_kept"])
    assert created == [] and dropped == []
