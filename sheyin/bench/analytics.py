"""Benchmark: every data-analysis rule (sheyin/supervision/rules.py) over the scale data set.

    python -m sheyin.bench analytics [--db NAME | --cases 1000000] [--keep]

It runs on the platform's real schema: with `--db` it reuses a data set that `python -m sheyin.bench scale
--keep` built (migrated tables, the migrations' indexes); without, it builds one first, the same way, in a
fresh database of its own (`sheyin_bench_<pid>_<timestamp>`, dropped afterwards unless --keep). It creates
no index: whatever the rules need is in the migrations. It runs each SQL rule exactly as the nightly job
does (same functions, same parameters, same windows, ending on the busiest of the data's last 14 days)
and times it.
When `duckdb` is importable the same rules run in DuckDB over the same rows (exported from PostgreSQL)
as the reference.

The `rating_bursts` rule is not SQL in rules.py (it calls the ratings app through the ORM), so it is
not part of this benchmark.

Last line: `analytics: cases=<n> seconds=<n> duckdb_seconds=<n|unavailable>`.
"""

# Table names in SQL below are fixed literals of this module.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sheyin.bench import pgdb

TZ = ZoneInfo("Asia/Shanghai")
SQL_RULES = ("off_hours", "staff_volume", "snooping", "rates", "repeated_edits")

# The columns the rules read, exported for DuckDB (times as naive UTC).
EXPORT = {
    "casework_case": "id bigint, outlet_id integer, staff_id integer, applicant_index varchar, status varchar, "
    "called_at timestamp",
    "casework_personlookup": 'id bigint, outlet_id integer, staff_id integer, person_index varchar, "at" timestamp',
    "audit_auditevent": 'id bigint, "at" timestamp, action varchar, object_type varchar, object_id varchar',
}


def _log(msg: str) -> None:
    print(msg, flush=True)


def _windows(day: dt.date) -> dict[str, tuple[dict[str, Any], dt.datetime, dt.datetime]]:
    from sheyin.supervision.rules import RULES

    out = {}
    for code in SQL_RULES:
        spec = RULES[code]
        first = day - dt.timedelta(days=spec.window_days - 1)
        start = dt.datetime.combine(first, dt.time.min, tzinfo=TZ)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=TZ)
        out[code] = (dict(spec.params), start, end)
    return out


def _run_rules(
    cursor: Any, vendor: str, naive_utc: bool, day: dt.date
) -> tuple[float, dict[str, tuple[int, float]]]:
    from sheyin.supervision.rules import RULES

    per: dict[str, tuple[int, float]] = {}
    total = 0.0
    for code, (params, start, end) in _windows(day).items():
        if naive_utc:
            start = start.astimezone(dt.UTC).replace(tzinfo=None)
            end = end.astimezone(dt.UTC).replace(tzinfo=None)
        t0 = time.perf_counter()
        hits = RULES[code].run(cursor, vendor, start, end, params)
        took = time.perf_counter() - t0
        per[code] = (len(hits), took)
        total += took
    return total, per


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sheyin.bench analytics")
    ap.add_argument("--db", help="reuse this scale data set (python -m sheyin.bench scale --keep)")
    ap.add_argument("--cases", type=int, default=1_000_000, help="without --db: build a data set this size")
    ap.add_argument("--seed", type=int, default=20261118)
    ap.add_argument("--keep", action="store_true", help="keep the database this run built")
    args = ap.parse_args(argv)

    import psycopg

    from sheyin.bench import scale

    name = args.db or pgdb.generated_name()
    if args.db:
        if not pgdb.exists(name):
            print(f"analytics: no database {name}", file=sys.stderr)
            return 2
        pgdb.use_database(name)
    else:
        pgdb.create_database(name)
        pgdb.use_database(name)
    tmp = Path(tempfile.mkdtemp(prefix="sheyin-analytics-"))
    seconds = 0.0
    duck: float | None = None
    try:
        if not args.db:
            scale.build(name, args.cases, 2 * args.cases, 3000, 15_000, args.seed)
        from django.db import connections

        connections.close_all()
        with psycopg.connect(pgdb.url_for(name), autocommit=True) as conn:
            conn.execute("SET TimeZone = 'Asia/Shanghai'")
            n_cases = conn.execute("SELECT COUNT(*) FROM casework_case").fetchone()[0]  # type: ignore[index]
            # The windows end on the busiest of the data's last 14 days: the last day with cases may hold only
            # the few demonstration cases of today, and a one-day rule would then read almost nothing.
            day = conn.execute(
                "SELECT (called_at AT TIME ZONE 'Asia/Shanghai')::date AS d FROM casework_case"
                " WHERE called_at >= (SELECT MAX(called_at) FROM casework_case) - interval '14 days'"
                " GROUP BY d ORDER BY COUNT(*) DESC, d DESC LIMIT 1"
            ).fetchone()[0]  # type: ignore[index]
            t0 = time.perf_counter()
            conn.execute("VACUUM ANALYZE casework_case, casework_personlookup, audit_auditevent")
            _log(
                f"postgresql: {n_cases:,} cases up to {day}; VACUUM ANALYZE in {time.perf_counter() - t0:.1f} s"
            )
            conn.execute("SET work_mem = '256MB'")  # hash aggregates over millions of staff-days
            with conn.cursor() as cur:
                seconds, per = _run_rules(cur, "postgresql", naive_utc=False, day=day)
            for code, (hits, took) in per.items():
                _log(f"postgresql: {code:<15} hits={hits:<6} {took:.3f} s")
            try:
                import duckdb
            except ImportError:
                duckdb = None
                _log("duckdb: not installed, no reference run")
            if duckdb is not None:
                conn.execute("SET TimeZone = 'UTC'")
                for table, cols in EXPORT.items():
                    names = ", ".join(c.split()[0] for c in cols.split(", "))
                    with (
                        open(tmp / f"{table}.csv", "wb") as fh,
                        conn.cursor().copy(
                            f"COPY (SELECT {names} FROM {table}) TO STDOUT WITH (FORMAT csv)"
                        ) as cp,
                    ):
                        for block in cp:
                            fh.write(block)
        if duckdb is not None:
            db = duckdb.connect()
            for table, cols in EXPORT.items():
                db.execute(f"CREATE TABLE {table} ({cols})")
                db.execute(f"INSERT INTO {table} SELECT * FROM read_csv('{tmp / table}.csv', header=false, "
                           f"columns={{{', '.join(repr(c.split()[0].strip(chr(34))) + ': ' + repr(c.split()[1]) for c in cols.split(', '))}}})")  # fmt: skip
            duck, per = _run_rules(db.cursor(), "duckdb", naive_utc=True, day=day)
            for code, (hits, took) in per.items():
                _log(f"duckdb:     {code:<15} hits={hits:<6} {took:.3f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if not args.db and not args.keep:
            from django.db import connections

            connections.close_all()
            pgdb.drop_database(name)
            _log(f"analytics: dropped {name}")
    duck_s = f"{duck:.2f}" if duck is not None else "unavailable"
    print(f"analytics: cases={n_cases} seconds={seconds:.2f} duckdb_seconds={duck_s}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
