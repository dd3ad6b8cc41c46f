"""Benchmark: every data-analysis rule (sheyin/supervision/rules.py) over many synthetic cases.

    python -m sheyin.bench analytics [--cases 1000000] [--outlets 3000] [--keep]

It creates a throwaway PostgreSQL database `sheyin_bench_analytics` (through DATABASE_URL when that points
at PostgreSQL, else postgres://postgres@127.0.0.1:5432/postgres), creates the minimal tables the rules' SQL
reads, under the same table and column names Django uses (casework_case, casework_personlookup,
audit_auditevent), loads `--cases` synthetic cases over 30 days plus staff look-ups and audit edit events
with psycopg COPY, creates the indexes the rules need, then runs each SQL rule exactly as the nightly job
does (same functions, same parameters, same windows ending on the last day) and times it. When `duckdb`
is importable the same rules run in DuckDB over the same rows as the reference. The database is dropped
afterwards unless --keep.

The `rating_bursts` rule is not SQL in rules.py (it calls the ratings app through the ORM), so it is
not part of this benchmark.

Last line: `analytics: cases=<n> seconds=<n> duckdb_seconds=<n|unavailable>`.
"""

# Table names in SQL below are fixed literals of this module.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

DB_NAME = "sheyin_bench_analytics"
DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DAY = dt.date(2026, 11, 18)  # the last day of the data, a Wednesday
DAYS = 30
TZ = ZoneInfo("Asia/Shanghai")
SQL_RULES = ("off_hours", "staff_volume", "snooping", "rates", "repeated_edits")

SCHEMA = """
CREATE TABLE casework_case (
    id bigint NOT NULL, outlet_id integer NOT NULL, staff_id integer, applicant_index varchar(64) NOT NULL,
    status varchar(12) NOT NULL, called_at timestamptz);
CREATE TABLE casework_personlookup (
    id bigint NOT NULL, outlet_id integer NOT NULL, staff_id integer NOT NULL, person_index varchar(64) NOT NULL,
    at timestamptz NOT NULL);
CREATE TABLE audit_auditevent (
    id bigint NOT NULL, at timestamptz NOT NULL, action varchar(60) NOT NULL, object_type varchar(60) NOT NULL,
    object_id varchar(64) NOT NULL);
"""

# What the rules need (see the report for the matching Django indexes): the window scans on called_at/at
# with the grouped columns included so they run as index-only scans, the snooping anti-join's lookup of a
# look-up's person among the cases by (person, outlet, time), and the audit filter by (object_type, at).
INDEXES = """
ALTER TABLE casework_case ADD PRIMARY KEY (id);
CREATE INDEX bench_case_called ON casework_case (called_at) INCLUDE (outlet_id, staff_id, status);
CREATE INDEX bench_case_person ON casework_case (applicant_index, outlet_id, called_at);
CREATE INDEX bench_lookup_at ON casework_personlookup (at) INCLUDE (outlet_id, staff_id, person_index);
CREATE INDEX bench_audit_type_at ON audit_auditevent (object_type, at) INCLUDE (action, object_id);
"""


def _log(msg: str) -> None:
    print(msg, flush=True)


def _generate(out: Path, n_cases: int, n_outlets: int, seed: int) -> dict[str, int]:
    """Write the three tables as CSV (times naive UTC). Most cases in opening hours on weekdays; a few
    at night or on a weekend, a few very busy staff-days, outlets with many rejections, staff look-ups of
    persons with and without a matching case, and cases edited again and again."""
    rng = random.Random(seed)
    start_local = dt.datetime.combine(DAY - dt.timedelta(days=DAYS - 1), dt.time(0, 0))
    utc0 = start_local - dt.timedelta(hours=8)  # Beijing = UTC + 8, no DST
    minute_str = [(utc0 + dt.timedelta(minutes=m)).strftime("%Y-%m-%d %H:%M:00") for m in range(DAYS * 1440)]
    weekdays = [d for d in range(DAYS) if (start_local + dt.timedelta(days=d)).weekday() < 5]
    open_min, close_min = 8 * 60 + 30, 17 * 60 + 30
    bad_outlets = set(rng.sample(range(1, n_outlets + 1), max(1, n_outlets // 100)))
    persons = max(1000, n_cases // 5)
    randrange, rnd = rng.randrange, rng.random
    chunk = 200_000
    sample: list[tuple[int, int, str, int]] = []  # (case id, outlet, person, minute) for matching queries
    with open(out / "case.csv", "w") as fh:
        for base in range(0, n_cases, chunk):
            rows = []
            for cid in range(base + 1, min(n_cases, base + chunk) + 1):
                outlet = randrange(1, n_outlets + 1)
                staff = outlet * 10 + randrange(10)
                r = rnd()
                if r < 0.003:  # at night or on a weekend
                    minute = randrange(DAYS * 1440)
                else:
                    minute = weekdays[randrange(len(weekdays))] * 1440 + randrange(open_min, close_min)
                s = rnd()
                bad = outlet in bad_outlets
                status = ("rejected" if s < (0.30 if bad else 0.05) else "cancelled" if s < (0.34 if bad else 0.08)
                          else "draft" if s < (0.36 if bad else 0.10) else "completed")  # fmt: skip
                person = f"p{randrange(persons)}"
                rows.append(f"{cid},{outlet},{staff},{person},{status},{minute_str[minute]}\n")
                if r > 0.999 and len(sample) < 200_000:
                    sample.append((cid, outlet, person, minute))
            fh.write("".join(rows))
        # a few staff-days far above their outlet's mean (staff_volume positives)
        cid = n_cases
        last_day = (DAYS - 1) * 1440
        for outlet in sorted(bad_outlets)[:20]:
            for _k in range(120):
                cid += 1
                fh.write(f"{cid},{outlet},{outlet * 10},p{randrange(persons)},completed,"
                         f"{minute_str[last_day + randrange(open_min, close_min)]}\n")  # fmt: skip
    total_cases = cid
    n_queries = max(100, n_cases // 20)
    with open(out / "lookup.csv", "w") as fh:
        rows = []
        for qid in range(1, n_queries + 1):
            if sample and rnd() < 0.9:  # a look-up while serving the person: their case is around it
                _c, outlet, person, minute = sample[randrange(len(sample))]
                minute = min(DAYS * 1440 - 1, max(0, minute + randrange(-30, 30)))
            else:  # possibly snooping
                outlet, person, minute = (
                    randrange(1, n_outlets + 1),
                    f"p{randrange(persons)}",
                    randrange(DAYS * 1440),
                )
            staff = outlet * 10 + randrange(10)
            rows.append(f"{qid},{outlet},{staff},{person},{minute_str[minute]}\n")
        # a few staff members looking up several people with no case on the last day (snooping positives)
        for outlet in sorted(bad_outlets)[:20]:
            for _k in range(3 + randrange(10)):
                n_queries += 1
                rows.append(f"{n_queries},{outlet},{outlet * 10 + 1},p{randrange(persons)},"
                            f"{minute_str[last_day + randrange(open_min, close_min)]}\n")  # fmt: skip
        fh.write("".join(rows))
    n_events = max(100, n_cases // 5)
    actions = (
        "case.choose_item",
        "case.identify",
        "case.materials",
        "case.attach",
        "case.update",
        "case.submit",
    )
    with open(out / "audit.csv", "w") as fh:
        rows = []
        eid = 0
        for _ in range(n_events):
            eid += 1
            minute = randrange(DAYS * 1440)
            rows.append(f"{eid},{minute_str[minute]},{actions[randrange(len(actions))]},casework.case,"
                        f"{randrange(1, total_cases + 1)}\n")  # fmt: skip
        for _ in range(max(10, n_cases // 100_000)):  # cases edited again and again on the last day
            case_id = randrange(1, total_cases + 1)
            for _k in range(12):
                eid += 1
                rows.append(
                    f"{eid},{minute_str[last_day + randrange(600, 1000)]},case.materials,casework.case,{case_id}\n"
                )
        fh.write("".join(rows))
    return {"cases": total_cases, "lookups": n_queries, "events": eid}


def _windows() -> dict[str, tuple[dict[str, Any], dt.datetime, dt.datetime]]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from sheyin.supervision.rules import RULES

    out = {}
    for code in SQL_RULES:
        spec = RULES[code]
        first = DAY - dt.timedelta(days=spec.window_days - 1)
        start = dt.datetime.combine(first, dt.time.min, tzinfo=TZ)
        end = dt.datetime.combine(DAY + dt.timedelta(days=1), dt.time.min, tzinfo=TZ)
        out[code] = (dict(spec.params), start, end)
    return out


def _run_rules(cursor: Any, vendor: str, naive_utc: bool) -> tuple[float, dict[str, tuple[int, float]]]:
    from sheyin.supervision.rules import RULES

    per: dict[str, tuple[int, float]] = {}
    total = 0.0
    for code, (params, start, end) in _windows().items():
        if naive_utc:
            start = start.astimezone(dt.UTC).replace(tzinfo=None)
            end = end.astimezone(dt.UTC).replace(tzinfo=None)
        t0 = time.perf_counter()
        hits = RULES[code].run(cursor, vendor, start, end, params)
        took = time.perf_counter() - t0
        per[code] = (len(hits), took)
        total += took
    return total, per


def _admin_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_ADMIN_URL


def _with_db(url: str, name: str) -> str:
    head, _sep, _tail = url.rpartition("/")
    return f"{head}/{name}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sheyin.bench analytics")
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--outlets", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=20261118)
    ap.add_argument("--keep", action="store_true", help="keep the throwaway database afterwards")
    args = ap.parse_args(argv)

    import psycopg

    admin = _admin_url()
    tmp = Path(tempfile.mkdtemp(prefix="sheyin-analytics-"))
    t0 = time.perf_counter()
    counts = _generate(tmp, args.cases, args.outlets, args.seed)
    _log(f"generated {counts} in {time.perf_counter() - t0:.1f} s")
    seconds: float | None = None
    duck: float | None = None
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
            conn.execute(f"CREATE DATABASE {DB_NAME}")
        try:
            with psycopg.connect(_with_db(admin, DB_NAME), autocommit=True) as conn:
                conn.execute("SET TimeZone = 'UTC'")
                conn.execute(SCHEMA)
                t0 = time.perf_counter()
                for table, fname, cols in (
                    (
                        "casework_case",
                        "case.csv",
                        "id, outlet_id, staff_id, applicant_index, status, called_at",
                    ),
                    ("casework_personlookup", "lookup.csv", "id, outlet_id, staff_id, person_index, at"),
                    ("audit_auditevent", "audit.csv", "id, at, action, object_type, object_id"),
                ):
                    copy_sql = f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv)"
                    with conn.cursor().copy(copy_sql) as cp, open(tmp / fname, "rb") as fh:
                        while block := fh.read(1 << 20):
                            cp.write(block)
                _log(f"postgresql: loaded with COPY in {time.perf_counter() - t0:.1f} s")
                t0 = time.perf_counter()
                conn.execute(INDEXES)
                conn.execute("VACUUM ANALYZE")
                _log(f"postgresql: indexes and ANALYZE in {time.perf_counter() - t0:.1f} s")
                conn.execute("SET TimeZone = 'Asia/Shanghai'")
                conn.execute("SET work_mem = '256MB'")  # hash aggregates over millions of staff-days
                with conn.cursor() as cur:
                    seconds, per = _run_rules(cur, "postgresql", naive_utc=False)
                for code, (hits, took) in per.items():
                    _log(f"postgresql: {code:<15} hits={hits:<6} {took:.3f} s")
        finally:
            if not args.keep:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        try:
            import duckdb
        except ImportError:
            _log("duckdb: not installed, no reference run")
        else:
            db = duckdb.connect()
            # DuckDB: naive UTC timestamps; `at` is a keyword there, so the column name is quoted.
            db.execute(SCHEMA.replace("timestamptz", "timestamp").replace(" at timestamp", ' "at" timestamp'))
            for table, fname in (("casework_case", "case.csv"), ("casework_personlookup", "lookup.csv"),
                                 ("audit_auditevent", "audit.csv")):  # fmt: skip
                db.execute(
                    f"INSERT INTO {table} SELECT * FROM read_csv('{tmp / fname}', header=false, auto_detect=true)"
                )
            duck, per = _run_rules(db.cursor(), "duckdb", naive_utc=True)
            for code, (hits, took) in per.items():
                _log(f"duckdb:     {code:<15} hits={hits:<6} {took:.3f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    duck_s = f"{duck:.2f}" if duck is not None else "unavailable"
    print(f"analytics: cases={counts['cases']} seconds={seconds:.2f} duckdb_seconds={duck_s}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
