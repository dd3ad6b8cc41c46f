"""Benchmark: rights-record PDFs and finding a person by ID number among many.

    python -m sheyin.bench records [--persons 1000000] [--iterations 200] [--out /tmp/record.pdf]

It builds its own data in a throwaway database: a temporary SQLite file (or, when DATABASE_URL points
at PostgreSQL, a temporary schema there, dropped afterwards) holding the simulated core's tables only.
It then

* loads `--persons` insured persons (encrypted ID number + HMAC-SM3 blind index, as seed_core does) and
  times `get_core().find_person(id_number)` for random persons (plus 10 % unknown numbers): check digit,
  blind index, indexed lookup;
* stores ten persons with 30 years (360 months) of contributions at different employers and times,
  on one core, the whole print path for them in turn: read the record from the core, compute its
  content hash, render the PDF (several pages, the CJK font embedded as a subset).

Last line: `records: pdfs_per_s=<n> p99_ms=<n> lookup_p99_ms=<n>`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    if not s:
        return 0.0
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


class ThrowawayDatabase:
    """The core's tables in a temporary SQLite file or a temporary PostgreSQL schema."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        self.tmpdir: tempfile.TemporaryDirectory[str] | None = None
        self.schema = ""
        self.old_name: Any = None

    def __enter__(self) -> ThrowawayDatabase:
        from sheyin.coresystem.models import (
            BenefitPayment,
            ContributionMonth,
            CoreCase,
            Employer,
            InsuredPerson,
        )

        c = self.connection
        c.close()
        if self.vendor == "sqlite":
            self.tmpdir = tempfile.TemporaryDirectory(prefix="sheyin-bench-")
            self.old_name = c.settings_dict["NAME"]
            c.settings_dict["NAME"] = str(Path(self.tmpdir.name) / "records.sqlite3")
            self.where = c.settings_dict["NAME"]
        elif self.vendor == "postgresql":
            self.schema = f"bench_records_{os.getpid()}"
            with c.cursor() as cur:
                cur.execute(f"CREATE SCHEMA {self.schema}")
                cur.execute(f"SET search_path TO {self.schema}")
            self.where = f"PostgreSQL schema {self.schema}"
        else:
            raise SystemExit(f"unsupported database {self.vendor}")
        with c.schema_editor() as editor:
            for model in (Employer, InsuredPerson, ContributionMonth, BenefitPayment, CoreCase):
                editor.create_model(model)
        return self

    def __exit__(self, *exc: object) -> None:
        c = self.connection
        if self.schema:
            with c.cursor() as cur:
                cur.execute(f"DROP SCHEMA {self.schema} CASCADE")
        c.close()
        if self.tmpdir is not None:
            c.settings_dict["NAME"] = self.old_name
            self.tmpdir.cleanup()


def _bench_people(count: int) -> list[str]:
    """Persons with exactly 360 months at several employers (1996-01 … 2025-12). Returns core refs."""
    from django.utils import timezone

    from sheyin.common.identifiers import make_id_number
    from sheyin.coresystem import generator
    from sheyin.coresystem.models import InsuredPerson
    from sheyin.coresystem.seeding import (
        BENEFIT_COLUMNS,
        MONTH_COLUMNS,
        PERSON_COLUMNS,
        EmployerBook,
        _insert,
        history_rows,
        person_row,
    )  # fmt: skip

    book = EmployerBook()
    refs = []
    now = timezone.now()
    for i in range(count):
        body = f"1101051970{(i % 12) + 1:02d}{(i % 27) + 1:02d}{900 + i:03d}"
        p = generator.PersonSeed(
            name=[
                "王建国",
                "李秀英",
                "张伟",
                "刘芳",
                "陈志强",
                "杨丽娟",
                "赵国庆",
                "黄晓燕",
                "周海涛",
                "吴静",
            ][i % 10],
            id_number=make_id_number(body),
            gender="M" if i % 2 == 0 else "F",
            birth_date=dt.date(1970, (i % 12) + 1, (i % 27) + 1),
            card_number=f"B{10000000 + i}",
            phone=f"1390000{i:04d}",
            hukou_code="110105",
            seed=1_000_003 * (i + 1),
        )
        _insert(InsuredPerson._meta.db_table, PERSON_COLUMNS, [person_row(p, now)], "id_index")
        pk = InsuredPerson.objects.get(id_index=person_row(p, now)[2]).pk
        # A career that changes employer every few years: each spell draws a new employer.
        months, benefits = history_rows(
            pk, p.seed, p.birth_date, p.gender, p.hukou_code, book, timezone.localdate(),
            continuous=(dt.date(1996, 1, 1), 360),
        )  # fmt: skip
        _insert(InsuredPerson.months.field.model._meta.db_table, MONTH_COLUMNS, months, "person_id, month")
        _insert("coresystem_benefitpayment", BENEFIT_COLUMNS, benefits, None)
        InsuredPerson.objects.filter(pk=pk).update(history_ready=True)
        refs.append(str(pk))
    return refs


def run(persons: int, iterations: int, out: str | None, say: Any) -> tuple[float, float, float]:
    from django.db import transaction
    from django.utils import timezone

    from sheyin.common.crypto import decrypt
    from sheyin.coresystem.adapter import get_core
    from sheyin.coresystem.models import InsuredPerson
    from sheyin.coresystem.printing import PrintMeta, render_rights_record
    from sheyin.coresystem.seeding import seed_persons

    t0 = time.perf_counter()
    added, _months = seed_persons(persons, history_share=0.0, chunk=50_000)
    say(f"loaded {added:,} persons (blind-indexed, encrypted) in {time.perf_counter() - t0:.1f}s")

    # --- lookup by ID number -------------------------------------------------------------------
    core = get_core()
    rng = random.Random(7)
    max_pk = InsuredPerson.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sample_pks = [rng.randint(1, max_pk) for _ in range(3000)]
    encs = dict(InsuredPerson.objects.filter(pk__in=sample_pks).values_list("pk", "id_number_enc"))
    ids = [decrypt(encs[pk]) for pk in sample_pks if pk in encs]
    from sheyin.common.identifiers import make_id_number

    ids += [make_id_number(f"11010119990101{rng.randint(0, 999):03d}") for _ in range(len(ids) // 10)]
    rng.shuffle(ids)
    for id_number in ids[:200]:  # warm the page cache and the code path
        core.find_person(id_number)
    lookups: list[float] = []
    lookup_cpu: list[float] = []
    found = 0
    for id_number in ids:
        t, c = time.perf_counter(), time.thread_time()
        hit = core.find_person(id_number)
        lookups.append((time.perf_counter() - t) * 1000)
        lookup_cpu.append((time.thread_time() - c) * 1000)
        found += hit is not None
    lookup_p99 = _percentile(lookups, 99)
    say(
        f"lookup: {len(lookups):,} look-ups among {InsuredPerson.objects.count():,} persons ({found:,} found): "
        f"p50={_percentile(lookups, 50):.3f} ms p99={lookup_p99:.3f} ms "
        f"(CPU time p99={_percentile(lookup_cpu, 99):.3f} ms)"
    )

    # --- rights-record PDFs --------------------------------------------------------------------
    with transaction.atomic():
        refs = _bench_people(10)
    place = "工商银行北京朝阳建国路支行社保服务网点 · 自助终端 T01"

    def one(ref: str) -> bytes:
        record = core.rights_record(ref)
        printed_at = timezone.now()
        code = secrets.token_hex(8).upper()
        content_hash = record.content_hash(code=code, printed_at=printed_at)
        meta = PrintMeta(
            code=code,
            printed_at=printed_at,
            content_hash=content_hash,
            verify_url=f"https://127.0.0.1/verify/record/{code}/?h={content_hash[:32]}",
            place=place,
        )
        return render_rights_record(record, meta)

    for ref in refs[:3]:  # font parse and caches: once per process, not per record
        pdf = one(ref)
    rows = len(core.contributions(refs[0]))
    pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page ")
    embedded = b"/FontFile2" in pdf and b"AAAAAA+" in pdf
    times: list[float] = []
    cpu: list[float] = []
    start, cpu_start = time.perf_counter(), time.thread_time()
    for i in range(iterations):
        t, c = time.perf_counter(), time.thread_time()
        pdf = one(refs[i % len(refs)])
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.thread_time() - c) * 1000)
    elapsed, cpu_elapsed = time.perf_counter() - start, time.thread_time() - cpu_start
    rate = iterations / elapsed
    p99 = _percentile(times, 99)
    # On a shared machine the wall clock includes time other processes took; CPU time shows the work.
    say(
        f"cpu: {iterations / cpu_elapsed:.1f} records per CPU second, CPU p99={_percentile(cpu, 99):.1f} ms; "
        f"this process got {cpu_elapsed / elapsed:.0%} of a core"
    )
    say(
        f"pdf: {iterations} records of {rows} monthly rows, {pages} pages, {len(pdf):,} bytes each; "
        f"CJK font embedded as subset: {'yes' if embedded else 'NO'}; "
        f"p50={_percentile(times, 50):.1f} ms p99={p99:.1f} ms"
    )
    if out:
        Path(out).write_bytes(pdf)
        say(f"sample written to {out}")
    return rate, p99, lookup_p99


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sheyin.bench records", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--persons", type=int, default=1_000_000, help="insured persons to load (default 1,000,000)"
    )
    parser.add_argument("--iterations", type=int, default=200, help="records to render (default 200)")
    parser.add_argument("--out", help="write the last PDF here")
    args = parser.parse_args(argv)
    _setup_django()
    from django.db import connection

    def say(msg: str) -> None:
        print(msg, flush=True)

    with ThrowawayDatabase() as db:
        say(f"throwaway database: {db.where} ({connection.vendor}); one process, one thread")
        rate, p99, lookup_p99 = run(args.persons, args.iterations, args.out, say)
    print(f"records: pdfs_per_s={rate:.1f} p99_ms={p99:.1f} lookup_p99_ms={lookup_p99:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
