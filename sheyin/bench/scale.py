"""Benchmark data set: Beijing at full size, on PostgreSQL, through the migrated schema.

    python -m sheyin.bench scale [--cases 10000000] [--audit 20000000] [--db NAME] [--keep]

It creates a fresh database (`sheyin_bench_<pid>_<timestamp>`, or `--db NAME` when that database does
not exist yet), runs the migrations, the reference data (the 16 districts, the catalogue, the calendar)
and the demo data, then adds, up to 16 banks, 3,000 outlets and 15,000 staff members each with an
account, a role and an active grant (ID numbers encrypted with the project's SM4 helper and indexed
through its blind index), and loads with psycopg COPY into the real tables: `--cases` cases over the 12
months ending yesterday, their archive records (handed over in monthly batches), rating tokens and
ratings, staff look-ups of applicants, tickets, findings and `--audit` audit events. Every row satisfies
the schema's constraints (foreign keys, checks, unique numbers). Progress and rows/s are printed.

Benchmark users (password `BENCH_PASSWORD`): bench_municipal, bench_district (朝阳区), bench_bank,
bench_manager and bench_staff (the busiest outlet). `pages` and `dashboards` use them.

The database is dropped at the end unless `--keep` (then reuse it with `--db` in the other benchmarks);
only a database this run created is ever dropped (see `sheyin.bench.pgdb`).

Last line: `scale: db=<name> cases=<n> audit=<n> seconds=<n> rows_per_s=<n>`.
"""

# The SQL below is built from this module's own literals and expressions; values are bound parameters.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sheyin.bench import pgdb

TZ = ZoneInfo("Asia/Shanghai")
BENCH_PASSWORD = "Bench-pass-2026!"  # noqa: S105 (benchmark accounts in a throwaway database)
BENCH_USERS = ("bench_municipal", "bench_district", "bench_bank", "bench_manager", "bench_staff")
BENCH_DISTRICT = "110105"  # 朝阳区
CHUNK = 50_000


def _log(msg: str) -> None:
    print(msg, flush=True)


# ---------------------------------------------------------------------------------------------- COPY


def _text(value: Any) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, Decimal | int | float):
        return str(value)
    s = str(value)
    if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


class Copier:
    """COPY rows of `model` giving only `columns`; every other column gets its model default (constant).

    A column with no default, not nullable and not blank-able must be given: the builder fails early
    rather than load a row the schema would refuse."""

    def __init__(self, model: Any, columns: Sequence[str], server_pk: bool = False) -> None:
        from django.db import models
        from django.utils import timezone

        now = timezone.now()
        self.model = model
        self.table = model._meta.db_table
        given = list(columns)
        rest: list[tuple[str, str]] = []
        for f in model._meta.concrete_fields:
            col = f.column
            if col in given:
                continue
            if f.primary_key:
                if server_pk:  # the identity column numbers the rows
                    continue
                raise ValueError(f"{self.table}: give the primary key")
            if f.has_default():
                v = f.get_default()
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                v = now
            elif f.null:
                v = None
            elif f.blank and isinstance(f, models.CharField | models.TextField):
                v = ""
            else:
                raise ValueError(f"{self.table}.{col} needs a value")
            rest.append((col, _text(v)))
        self.rest = rest
        self.columns = given + [c for c, _v in rest]
        self.suffix = "".join("\t" + v for _c, v in rest)

    def load(self, rows: Iterable[Sequence[Any]], label: str = "", total: int = 0) -> int:
        from django.db import connection

        sql = f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN"
        n = 0
        t0 = time.perf_counter()
        last = t0
        suffix = self.suffix + "\n"
        raw = connection.cursor().connection
        with raw.cursor() as cur, cur.copy(sql) as cp:
            buf: list[str] = []
            for row in rows:
                buf.append("\t".join([_text(v) for v in row]) + suffix)
                n += 1
                if len(buf) >= CHUNK:
                    cp.write("".join(buf))
                    buf.clear()
                    now = time.perf_counter()
                    if now - last > 10:
                        last = now
                        of = f"/{total:,}" if total else ""
                        _log(f"  {label or self.table}: {n:,}{of} rows, {n / (now - t0):,.0f} rows/s")
            if buf:
                cp.write("".join(buf))
        took = time.perf_counter() - t0
        _log(f"{label or self.table}: {n:,} rows in {took:.1f} s ({n / max(took, 1e-9):,.0f} rows/s)")
        return n


def _next_id(model: Any) -> int:
    from django.db.models import Max

    return int(model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def _reset_sequences(models_: Iterable[Any]) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for model in models_:
            t = model._meta.db_table
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT MAX(id) FROM {t}), 1))"
            )


# ------------------------------------------------------------------------------------ organisations


def _organisations(rng: random.Random, n_outlets: int, n_staff: int) -> dict[str, Any]:
    """Up to 16 banks and `n_outlets` operating outlets; `n_staff` staff members with accounts, roles and
    active grants (ORM bulk inserts: tens of thousands of rows); the five benchmark users."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from sheyin.accounts.models import RoleAssignment, User
    from sheyin.accounts.roles import Role
    from sheyin.catalogue.choices import Category
    from sheyin.common import crypto, geo
    from sheyin.common.identifiers import make_id_number, make_uscc
    from sheyin.common.masking import mask_id_number
    from sheyin.institutions.models import Agency, Bank, Outlet, OutletStatus
    from sheyin.staffing.models import PermissionGrant, StaffMember
    from sheyin.staffing.workflow import GrantStatus, StaffStatus

    t0 = time.perf_counter()
    with transaction.atomic():
        for i in range(Bank.objects.count() + 1, 17):
            Bank.objects.create(
                name=f"测试银行{i}股份有限公司北京分行", short_name=f"测试银行{i}",
                uscc=make_uscc(f"91110000{900 + i:09d}"), status=Bank.Status.ACTIVE,
            )  # fmt: skip
        Outlet.objects.update(status=OutletStatus.OPERATING)
        banks = list(Bank.objects.order_by("pk"))
        districts = list(Agency.objects.filter(level=Agency.Level.DISTRICT).order_by("code"))
        info = geo.districts()
        weights = [max(1, info[d.code].population) for d in districts]
        have = Outlet.objects.count()
        new = []
        for k in range(have, n_outlets):
            d = rng.choices(districts, weights=weights)[0]
            lon0, lat0 = info[d.code].center
            lon = min(117.5, max(115.4, lon0 + rng.uniform(-0.05, 0.05)))
            lat = min(41.1, max(39.4, lat0 + rng.uniform(-0.04, 0.04)))
            bank = banks[k % len(banks)]
            new.append(Outlet(
                bank=bank, code=f"BJ{k + 1:06d}", name=f"{bank.short_name}{d.district_name}第{k + 1}网点",
                district=d, address=f"北京市{d.district_name}测试路{k + 1}号", lon=round(lon, 6),
                lat=round(lat, 6), windows=1 + k % 2, status=OutletStatus.OPERATING,
            ))  # fmt: skip
        Outlet.objects.bulk_create(new, batch_size=2000)
    outlets = list(Outlet.objects.order_by("pk").values("id", "district_id", "bank_id", "code", "name"))
    _log(f"organisations: {len(banks)} banks, {len(outlets)} outlets in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    password = make_password(BENCH_PASSWORD)
    categories = ",".join(sorted(Category.values))
    today = dt.date.today()
    with transaction.atomic():
        users = [
            User(username=f"bench_s{i + 1:05d}", display_name=f"经办{i + 1:05d}", password=password)
            for i in range(n_staff)
        ]
        User.objects.bulk_create(users, batch_size=5000)
        staff_rows = []
        roles = []
        grants = []
        for i, u in enumerate(users):
            o = outlets[i % len(outlets)]
            id_number = make_id_number(f"110105{1970 + i % 30}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}")
            roles.append(RoleAssignment(user=u, role=Role.OUTLET_STAFF, outlet_id=o["id"], bank_id=o["bank_id"],
                                        agency_id=o["district_id"]))  # fmt: skip
            staff_rows.append(StaffMember(
                outlet_id=o["id"], bank_id=o["bank_id"], district_id=o["district_id"],
                employee_no=f"E{i + 1:07d}", name=f"经办{i + 1:05d}", id_number_enc=crypto.encrypt(id_number),
                id_number_index=crypto.blind_index(id_number), id_number_masked=mask_id_number(id_number),
                status=StaffStatus.ACTIVE, user=u,
            ))  # fmt: skip
        RoleAssignment.objects.bulk_create(roles, batch_size=5000)
        StaffMember.objects.bulk_create(staff_rows, batch_size=5000)
        for s in staff_rows:
            grants.append(PermissionGrant(
                staff=s, outlet_id=s.outlet_id, bank_id=s.bank_id, district_id=s.district_id, channels="O,T,W",
                categories=categories, status=GrantStatus.ACTIVE, valid_from=today - dt.timedelta(days=400),
                valid_until=today + dt.timedelta(days=330),
            ))  # fmt: skip
        PermissionGrant.objects.bulk_create(grants, batch_size=5000)
        # The benchmark users: one per role family, at the district and bank of the busiest outlet.
        chaoyang = Agency.objects.get(code=BENCH_DISTRICT)
        municipal = Agency.objects.get(level=Agency.Level.MUNICIPAL)
        busiest = next(o for o in outlets if o["district_id"] == chaoyang.pk)
        for username, role, org in (
            ("bench_municipal", Role.MUNICIPAL_ADMIN, {"agency": municipal}),
            ("bench_district", Role.DISTRICT_ADMIN, {"agency": chaoyang}),
            ("bench_bank", Role.BANK_ADMIN, {"bank_id": busiest["bank_id"]}),
            ("bench_manager", Role.OUTLET_MANAGER, {"outlet_id": busiest["id"], "bank_id": busiest["bank_id"],
                                                     "agency_id": busiest["district_id"]}),
        ):  # fmt: skip
            u = User.objects.create(username=username, display_name=username, password=password)
            RoleAssignment.objects.create(user=u, role=role, **org)
        # bench_staff: the first staff member of the busiest outlet, renamed.
        first = (
            StaffMember.objects.filter(outlet_id=busiest["id"], name__startswith="经办")
            .order_by("pk")
            .first()
        )
        assert first is not None and first.user is not None
        User.objects.filter(pk=first.user.pk).update(username="bench_staff")
    staff_by_outlet: dict[int, list[int]] = {}
    for uid, oid in StaffMember.objects.filter(status=StaffStatus.ACTIVE, user__isnull=False).values_list(
        "user_id", "outlet_id"
    ):
        staff_by_outlet.setdefault(oid, []).append(uid)
    _log(f"staff: {n_staff:,} members, accounts, roles and grants in {time.perf_counter() - t0:.1f} s")
    return {"outlets": outlets, "staff_by_outlet": staff_by_outlet, "busiest": busiest}


# --------------------------------------------------------------------------------------------- cases
#
# The bulk rows are generated by the server, in the real tables: `INSERT INTO <table> (...) SELECT ... FROM
# generate_series(...)` with deterministic pseudo-random choices (`hashint8extended(i, seed + k)`), in
# chunks that up to `--workers` connections run at once. Python supplies only what the server cannot
# compute: the outlets with their staff, the catalogue items and the applicants' blind indexes (HMAC-SM3),
# passed as arrays. Every row goes through the tables' indexes, constraints and foreign keys.

CASE_CHUNK = 500_000
WORKERS = 2
SESSION = (
    "SET synchronous_commit = off",  # the data set is rebuilt, not recovered, if the server crashes
    "SET work_mem = '256MB'",
    "SET TimeZone = 'Asia/Shanghai'",
    # Lookups of a few thousand outlets and of the applicants are hashed, never looped over.
    "SET enable_nestloop = off",
    "SET enable_mergejoin = off",
    "SET jit = off",  # compiling the generating expressions costs seconds per chunk and saves nothing
    # Random index inserts after each checkpoint log whole pages: compressed, the WAL is a fraction.
    "SET wal_compression = 'lz4'",
)
LOCAL = "'Asia/Shanghai'"


def _h(k: int, seed: int, of: str = "g.i") -> str:
    """A deterministic pseudo-random integer in [0, 2**31) for row `of`, stream `k`."""
    return f"(hashint8extended({of}, {seed + k}) & 2147483647)"


def _u(k: int, seed: int, of: str = "g.i") -> str:
    """The same as a fraction in [0, 1)."""
    return f"({_h(k, seed, of)}::float8 / 2147483648.0)"


def _rest(model: Any, given: Sequence[str]) -> tuple[list[str], list[str]]:
    """The columns of `model` not in `given`, each with its model default as an SQL literal."""
    from django.db import connection

    copier = Copier(model, given, server_pk=True)
    fields = {f.column: f for f in model._meta.concrete_fields}
    literals = []
    for col, text in copier.rest:
        if text == r"\N":
            literals.append("NULL")
            continue
        if "\\" in text:
            raise ValueError(f"{copier.table}.{col}: default {text!r} needs escaping")
        literals.append("'" + text.replace("'", "''") + "'::" + str(fields[col].db_type(connection)))
    return [c for c, _t in copier.rest], literals


def _insert(model: Any, given: Sequence[str], exprs: Sequence[str], tail: str) -> str:
    """INSERT INTO <model's table> (given + the rest) SELECT exprs + the rest's defaults <tail>."""
    if len(given) != len(exprs):
        raise ValueError(f"{model._meta.db_table}: {len(given)} columns, {len(exprs)} expressions")
    cols, literals = _rest(model, given)
    return (
        f"INSERT INTO {model._meta.db_table} ({', '.join([*given, *cols])})\n"
        f"SELECT {', '.join([*exprs, *literals])}\n{tail}"
    )


class Server:
    """Up to `workers` connections of their own to the data set's database, running INSERT ... SELECT
    chunks at once (each chunk one transaction) and printing rows and rows/s per table."""

    def __init__(self, workers: int) -> None:
        from django.db import connection

        s = connection.settings_dict
        self.params = {
            k: v
            for k, v in (("dbname", s["NAME"]), ("user", s["USER"]), ("password", s["PASSWORD"]),
                         ("host", s["HOST"]), ("port", s["PORT"]))
            if v
        }  # fmt: skip
        self.workers = max(1, workers)

    def run(
        self, label: str, sql: str, chunks: Sequence[dict[str, Any]], total: int = 0
    ) -> tuple[int, float]:
        import threading
        from concurrent.futures import ThreadPoolExecutor

        import psycopg

        local = threading.local()
        opened: list[Any] = []
        lock = threading.Lock()
        done = [0]
        t0 = time.perf_counter()

        def one(params: dict[str, Any]) -> int:
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = psycopg.connect(**self.params)
                with lock:
                    opened.append(conn)
                for s in SESSION:
                    conn.execute(s)
                conn.commit()
            with conn.transaction():
                rows = conn.execute(sql, params).rowcount
            with lock:
                done[0] += rows
                if len(chunks) > 1:
                    took = time.perf_counter() - t0
                    of = f"/{total:,}" if total else ""
                    _log(f"  {label}: {done[0]:,}{of} rows, {done[0] / max(took, 1e-9):,.0f} rows/s")
            return rows

        try:
            with ThreadPoolExecutor(self.workers) as pool:
                n = sum(pool.map(one, chunks))
        finally:
            for conn in opened:
                conn.close()
        took = time.perf_counter() - t0
        _log(f"{label}: {n:,} rows in {took:.1f} s ({n / max(took, 1e-9):,.0f} rows/s)")
        return n, took

    def vacuum(self, tables: Sequence[str]) -> None:
        """VACUUM ANALYZE `tables` (up to `workers` at once), then ANALYZE the rest of the database."""
        from concurrent.futures import ThreadPoolExecutor

        import psycopg

        def one(table: str | None) -> None:
            with psycopg.connect(**self.params, autocommit=True) as conn:
                conn.execute(f"VACUUM (ANALYZE) {table}" if table else "ANALYZE")

        with ThreadPoolExecutor(self.workers) as pool:
            list(pool.map(one, tables))
        one(None)


def _ranges(lo: int, hi: int, size: int) -> list[tuple[int, int]]:
    """[lo, hi] in consecutive inclusive ranges of at most `size`."""
    return [(a, min(hi, a + size - 1)) for a in range(lo, hi + 1, size)]


def _cases(
    rng: random.Random, n: int, org: dict[str, Any], n_audit: int, workers: int = WORKERS
) -> tuple[dict[str, int], dict[str, float]]:
    from django.db import connection

    from sheyin.audit.models import AuditEvent
    from sheyin.casework.models import ArchiveRecord, Case, HandoverBatch, PersonLookup
    from sheyin.catalogue.selectors import items_in_force, version_in_force
    from sheyin.common import crypto
    from sheyin.common.identifiers import make_id_number
    from sheyin.common.masking import mask_id_number
    from sheyin.ratings.models import Rating, RatingToken
    from sheyin.supervision.models import Finding
    from sheyin.support.models import Ticket

    seed = rng.randrange(1, 2**40)
    server = Server(workers)
    version = version_in_force()
    assert version is not None, "no catalogue in force"
    items = [
        (i.pk, i.code, i.name[:60], i.category, i.risk == "high")
        for i in items_in_force().filter(channels__contains="W").order_by("pk")
    ]
    outlets = org["outlets"]
    staff_by_outlet = org["staff_by_outlet"]
    fallback = staff_by_outlet[next(iter(staff_by_outlet))]
    staff_flat: list[int] = []
    o_off, o_ns = [], []
    for o in outlets:
        ids = staff_by_outlet.get(o["id"]) or fallback
        o_off.append(len(staff_flat))
        o_ns.append(len(ids))
        staff_flat += ids
    longest = max(len(o["code"]) for o in outlets)
    if longest + 1 + 8 + 1 + len(str(n + 5001)) > (Case._meta.get_field("receipt_no").max_length or 30):
        raise ValueError(f"outlet codes of {longest} characters make receipt numbers too long")
    # Traffic: a quarter of all cases at 10 % of the outlets (the busiest one first).
    ordinal = {o["id"]: k + 1 for k, o in enumerate(outlets)}
    busy = [
        ordinal[org["busiest"]["id"]],
        *(ordinal[o["id"]] for o in rng.sample(outlets, max(1, len(outlets) // 10))),
    ]
    t0 = time.perf_counter()
    n_persons = max(1000, min(500_000, n // 20))
    p_idx, p_mask = [], []
    for p in range(n_persons):
        idn = make_id_number(
            f"1101{p % 100:02d}{1950 + p % 50}{1 + p % 12:02d}{1 + p % 28:02d}{p % 1000:03d}"
        )
        p_idx.append(crypto.blind_index(idn))
        p_mask.append(mask_id_number(idn))
    _log(f"applicants: {n_persons:,} persons (blind index) in {time.perf_counter() - t0:.1f} s")

    yesterday = dt.date.today() - dt.timedelta(days=1)
    first = yesterday - dt.timedelta(days=364)
    workdays = [
        first + dt.timedelta(days=d) for d in range(365) if (first + dt.timedelta(days=d)).weekday() < 5
    ]
    day_start = [dt.datetime.combine(d, dt.time(8, 30), tzinfo=TZ) for d in workdays]
    days_n = len(workdays)
    last_month = yesterday - dt.timedelta(days=30)
    last_month_at = dt.datetime.combine(last_month, dt.time.min, tzinfo=TZ)
    recent_at = day_start[max(0, days_n - 22)].replace(hour=0, minute=0)
    case_base = _next_id(Case)
    case_last = case_base + n - 1
    counts: dict[str, int] = {}
    seconds: dict[str, float] = {}

    def record(key: str, result: tuple[int, float]) -> None:
        counts[key], seconds[key] = result

    # Cases: evenly over the working days of 12 months, in time order (ids and called_at rise together;
    # receipt numbers are unique per day), a quarter at the busy outlets; 86 % completed, 5 % rejected,
    # 4 % cancelled, 3 % submitted, 2 % drafts; 2 % of the last month's completions awaiting review.
    h = lambda k: _h(k, seed)  # noqa: E731
    case_sql = _insert(
        Case,
        ("id", "receipt_no", "outlet_id", "district_id", "bank_id", "staff_id", "reviewer_id",
         "catalogue_version_id", "item_id", "item_code", "item_name", "item_category", "high_risk",
         "applicant_ref", "applicant_index", "applicant_masked", "applicant_name", "applicant_hukou",
         "card_checked", "status", "called_at", "started_at", "submitted_at", "ended_at", "core_reference",
         "result_message", "cancel_reason", "rating_token", "created_at"),
        ("z.id", "o.code || '-' || to_char(z.day, 'YYYYMMDD') || '-' || (z.pos + 5001)::text",
         "o.id", "o.district_id", "o.bank_id", "(%(staff)s::int[])[(o.off + mod(z.hs, o.ns) + 1)::int]",
         "CASE WHEN it.high AND z.acc AND o.ns > 1 "
         "THEN (%(staff)s::int[])[(o.off + mod(z.hs + 1, o.ns) + 1)::int] END",
         "%(version)s::bigint", "it.id", "it.code", "it.name", "it.category", "it.high",
         "CASE WHEN z.acc THEN 'P' || lpad((z.pi - 1)::text, 10, '0') ELSE '' END",
         "CASE WHEN z.acc THEN p.idx ELSE '' END", "CASE WHEN z.acc THEN p.masked ELSE '' END",
         "CASE WHEN z.acc THEN '张某某' ELSE '' END", "CASE WHEN z.acc THEN '110105' ELSE '' END", "z.acc",
         "z.status", "z.called", "z.called + interval '1 minute'",
         "CASE WHEN z.acc THEN z.called + interval '8 minutes' END",
         "CASE WHEN z.status IN ('completed', 'rejected') THEN z.called + interval '12 minutes' END",
         "CASE WHEN z.acc THEN 'C' || lpad(z.id::text, 12, '0') ELSE '' END", "''", "''",
         "CASE WHEN z.status = 'completed' THEN 'bench' || lpad(z.id::text, 38, '0') END", "z.called"),
        f"""FROM (
  SELECT x.*, x.status NOT IN ('draft', 'cancelled') AS acc
  FROM (
    SELECT y.*,
      CASE WHEN y.r < 86 THEN
             CASE WHEN y.day >= %(last_month)s::date AND mod(y.h5, 50) = 0 THEN 'awaiting_review'
                  ELSE 'completed' END
           WHEN y.r < 91 THEN 'rejected' WHEN y.r < 95 THEN 'cancelled' WHEN y.r < 98 THEN 'submitted'
           ELSE 'draft' END AS status
    FROM (
      SELECT %(base)s::bigint + g.i AS id, (%(days)s::date[])[(s.d + 1)::int] AS day, g.i - s.first AS pos,
        (%(starts)s::timestamptz[])[(s.d + 1)::int]
          + floor((g.i - s.first + {_u(0, seed)}) * 32400.0 / (s.next - s.first)) * interval '1 second' AS called,
        CASE WHEN mod({h(1)}, 4) = 0
             THEN (%(busy)s::int[])[(1 + mod({h(2)}, %(n_busy)s::bigint))::int]
             ELSE 1 + mod({h(2)}, %(n_out)s::bigint) END AS oi,
        {h(3)} AS hs, 1 + mod({h(6)}, %(n_items)s::bigint) AS ii, 1 + mod({h(7)}, %(n_persons)s::bigint) AS pi,
        mod({h(4)}, 100) AS r, {h(5)} AS h5
      FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) g(i)
      CROSS JOIN LATERAL (
        SELECT q.d, (q.d * %(n)s::bigint + %(days_n)s::bigint - 1) / %(days_n)s::bigint AS first,
               ((q.d + 1) * %(n)s::bigint + %(days_n)s::bigint - 1) / %(days_n)s::bigint AS next
        FROM (SELECT g.i * %(days_n)s::bigint / %(n)s::bigint AS d) q
      ) s
    ) y
  ) x
) z
JOIN unnest(%(o_id)s::int[], %(o_district)s::int[], %(o_bank)s::int[], %(o_code)s::text[], %(o_off)s::int[],
            %(o_ns)s::int[]) WITH ORDINALITY AS o(id, district_id, bank_id, code, off, ns, oi) ON o.oi = z.oi
JOIN unnest(%(it_id)s::int[], %(it_code)s::text[], %(it_name)s::text[], %(it_category)s::text[],
            %(it_high)s::boolean[]) WITH ORDINALITY AS it(id, code, name, category, high, ii) ON it.ii = z.ii
JOIN unnest(%(p_idx)s::text[], %(p_mask)s::text[]) WITH ORDINALITY AS p(idx, masked, pi) ON p.pi = z.pi""",
    )  # fmt: skip
    common = {
        "base": case_base, "n": n, "days_n": days_n, "days": workdays, "starts": day_start,
        "last_month": last_month, "busy": busy, "n_busy": len(busy), "n_out": len(outlets),
        "staff": staff_flat, "version": version.pk, "n_items": len(items), "n_persons": n_persons,
        "o_id": [o["id"] for o in outlets], "o_district": [o["district_id"] for o in outlets],
        "o_bank": [o["bank_id"] for o in outlets], "o_code": [o["code"] for o in outlets],
        "o_off": o_off, "o_ns": o_ns,
        "it_id": [i[0] for i in items], "it_code": [i[1] for i in items], "it_name": [i[2] for i in items],
        "it_category": [i[3] for i in items], "it_high": [i[4] for i in items],
        "p_idx": p_idx, "p_mask": p_mask,
    }  # fmt: skip
    record("cases", server.run(
        "cases", case_sql, [{**common, "lo": a, "hi": b} for a, b in _ranges(0, n - 1, CASE_CHUNK)], n
    ))  # fmt: skip
    with connection.cursor() as cur:
        cur.execute("SELECT setval(pg_get_serial_sequence('casework_case', 'id'), %s)", [case_last])
    by_case = [{"lo": a, "hi": b} for a, b in _ranges(case_base, case_last, CASE_CHUNK)]

    # Archive records of completed cases, handed over in one batch per outlet and month (older than a
    # month: received; the last month: pending).
    month = f"date_trunc('month', c.called_at AT TIME ZONE {LOCAL})"
    batch_at = f"(({month} + interval '27 days 10 hours') AT TIME ZONE {LOCAL})"
    batch_base = _next_id(HandoverBatch)
    record("batches", server.run("handover batches", _insert(
        HandoverBatch,
        ("number", "outlet_id", "district_id", "bank_id", "status", "created_at", "sent_at", "closed_at"),
        ("'YJ-' || o.code || '-' || to_char(s.at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-9001'",
         "s.outlet_id", "s.district_id", "s.bank_id", "'closed'", "s.at", "s.at", "s.at + interval '2 days'"),
        f"""FROM (
  SELECT DISTINCT c.outlet_id, c.district_id, c.bank_id, {batch_at} AS at FROM casework_case c
  WHERE c.id BETWEEN %(lo)s AND %(hi)s AND c.status = 'completed' AND c.called_at < %(before)s
) s JOIN institutions_outlet o ON o.id = s.outlet_id
ORDER BY s.outlet_id, s.at""",
    ), [{"lo": case_base, "hi": case_last, "before": last_month_at}]))  # fmt: skip
    day_end = f"((date_trunc('day', c.called_at AT TIME ZONE {LOCAL}) + interval '17 hours 30 minutes') AT TIME ZONE {LOCAL})"
    record("archives", server.run("archive records", _insert(
        ArchiveRecord,
        ("case_id", "outlet_id", "district_id", "bank_id", "staff_id", "status", "batch_id", "due_date",
         "received_at", "created_at"),
        ("c.id", "c.outlet_id", "c.district_id", "c.bank_id", "c.staff_id",
         "CASE WHEN b.id IS NULL THEN 'pending' ELSE 'received' END", "b.id",
         f"(c.called_at AT TIME ZONE {LOCAL})::date + 20",
         f"CASE WHEN b.id IS NOT NULL THEN {day_end} + interval '30 days' END", day_end),
        f"""FROM casework_case c
LEFT JOIN casework_handoverbatch b ON b.id >= %(batch_base)s AND b.outlet_id = c.outlet_id
     AND b.created_at = {batch_at} AND c.called_at < %(before)s
WHERE c.id BETWEEN %(lo)s AND %(hi)s AND c.status = 'completed'
ORDER BY c.id""",
    ), [{**r, "batch_base": batch_base, "before": last_month_at} for r in by_case], counts["cases"]))  # fmt: skip

    # Ratings: about one completed case in eight is rated (a token row per rating, used).
    token_base = _next_id(RatingToken)
    record("rating_tokens", server.run("rating tokens", _insert(
        RatingToken,
        ("token", "case_id", "outlet_id", "district_id", "bank_id", "channel", "issued_at", "used_at"),
        ("c.rating_token", "c.id", "c.outlet_id", "c.district_id", "c.bank_id", "'W'", "c.ended_at",
         "c.ended_at + interval '20 minutes'"),
        f"""FROM casework_case c
WHERE c.id BETWEEN %(lo)s AND %(hi)s AND c.status = 'completed' AND mod({_h(20, seed, "c.id")}, 8) = 0
ORDER BY c.id""",
    ), by_case))  # fmt: skip
    token_last = _next_id(RatingToken) - 1
    level = f"mod({_h(21, seed, 't.id')}, 100)"
    record("ratings", server.run("ratings", _insert(
        Rating,
        ("case_id", "token_id", "channel", "outlet_id", "district_id", "bank_id", "staff_id", "item_name",
         "level", "efficiency", "skill", "attitude", "created_at"),
        ("c.id", "t.id", "'W'", "c.outlet_id", "c.district_id", "c.bank_id", "c.staff_id", "c.item_name",
         "l.v", "l.v", "l.v", "l.v", "t.used_at"),
        f"""FROM ratings_ratingtoken t
JOIN casework_case c ON c.id = t.case_id
CROSS JOIN LATERAL (SELECT CASE WHEN {level} < 70 THEN 5 WHEN {level} < 88 THEN 4 WHEN {level} < 96 THEN 3
                                WHEN {level} < 99 THEN 2 ELSE 1 END AS v) l
WHERE t.id BETWEEN %(lo)s AND %(hi)s AND c.id BETWEEN %(case_lo)s AND %(case_hi)s
ORDER BY t.id""",
    ), [{"lo": a, "hi": b, "case_lo": case_base, "case_hi": case_last}
        for a, b in _ranges(token_base, token_last, CASE_CHUNK)]))  # fmt: skip

    # Staff look-ups of applicants: one per case in the last 22 working days (the snooping rule's input).
    record("lookups", server.run("person look-ups", _insert(
        PersonLookup,
        ("outlet_id", "district_id", "bank_id", "staff_id", "case_id", "at", "person_index", "person_masked"),
        ("c.outlet_id", "c.district_id", "c.bank_id", "c.staff_id", "c.id", "c.called_at + interval '2 minutes'",
         "p.idx", "p.masked"),
        f"""FROM casework_case c
JOIN unnest(%(p_idx)s::text[], %(p_mask)s::text[]) WITH ORDINALITY AS p(idx, masked, pi)
  ON p.pi = 1 + mod({_h(30, seed, "c.id")}, %(n_persons)s::bigint)
WHERE c.id BETWEEN %(lo)s AND %(hi)s AND c.called_at >= %(since)s
ORDER BY c.id""",
    ), [{**r, "p_idx": p_idx, "p_mask": p_mask, "n_persons": n_persons, "since": recent_at}
        for r in by_case]))  # fmt: skip

    # Tickets (one per 500 cases) and findings (one per 2,000 cases), spread over the year: few rows, COPY.
    randrange = rng.randrange
    n_out = len(outlets)
    ticket_base = _next_id(Ticket)
    n_tickets = max(10, n // 500)

    def ticket_rows() -> Iterable[tuple[Any, ...]]:
        for k in range(n_tickets):
            o = outlets[randrange(n_out)]
            day = randrange(days_n)
            raised = day_start[day] + dt.timedelta(minutes=randrange(480))
            closed = day < days_n - 10
            yield (ticket_base + k, f"WT{workdays[day]:%Y%m%d}{k:07d}", o["id"], o["district_id"], o["bank_id"],
                   "system", f"问题反馈{k}", "测试问题描述", "closed" if closed else "open",
                   f"网点{o['code']}", raised, workdays[day] + dt.timedelta(days=2),
                   workdays[day] + dt.timedelta(days=7), raised + dt.timedelta(days=1) if closed else None,
                   raised + dt.timedelta(days=3) if closed else None, "已处理" if closed else "")  # fmt: skip

    t0 = time.perf_counter()
    counts["tickets"] = Copier(Ticket, (
        "id", "number", "outlet_id", "district_id", "bank_id", "category", "title", "description", "status",
        "raised_by_name", "raised_at", "reply_due", "close_due", "first_reply_at", "closed_at", "resolution",
    )).load(ticket_rows(), "tickets")  # fmt: skip
    seconds["tickets"] = time.perf_counter() - t0
    finding_base = _next_id(Finding)
    n_findings = max(10, n // 2000)

    def finding_rows() -> Iterable[tuple[Any, ...]]:
        for k in range(n_findings):
            o = outlets[randrange(n_out)]
            day = randrange(days_n)
            yield (finding_base + k, f"WT-BENCH-{k:07d}", "public_feedback", o["id"], o["district_id"], o["bank_id"],
                   f"群众反映问题{k}", "测试", ["open", "closed", "dismissed"][k % 3], f"BENCH{k:07d}",
                   day_start[day] + dt.timedelta(hours=3))  # fmt: skip

    t0 = time.perf_counter()
    counts["findings"] = Copier(Finding, (
        "id", "number", "source", "outlet_id", "district_id", "bank_id", "title", "detail", "status",
        "external_ref", "found_at",
    )).load(finding_rows(), "findings")  # fmt: skip
    seconds["findings"] = time.perf_counter() - t0

    # Audit events: the case edits behind each case, in case order (unsealed, as the sealer finds them):
    # n_audit // n per case, one more for the first n_audit % n cases.
    per, extra = divmod(n_audit, max(1, n))
    record("audit", server.run("audit events", _insert(
        AuditEvent,
        ("at", "actor_id", "actor_name", "action", "object_type", "object_id", "object_repr"),
        ("c.called_at + interval '1 minute' + k * interval '30 seconds'", "c.staff_id", "'bench_s' || c.staff_id",
         "(ARRAY['case.choose_item', 'case.identify', 'case.materials', 'case.submit', 'case.update'])"
         "[(mod(k, 5) + 1)::int]", "'casework.case'", "c.id::text", "c.id::text"),
        """FROM casework_case c
CROSS JOIN generate_series(0, %(per)s::int - 1 + CASE WHEN c.id < %(extra_below)s THEN 1 ELSE 0 END) k
WHERE c.id BETWEEN %(lo)s AND %(hi)s""",
    ), [{**r, "per": per, "extra_below": case_base + extra} for r in by_case], n_audit))  # fmt: skip
    _reset_sequences([Case, HandoverBatch, ArchiveRecord, RatingToken, Rating, PersonLookup, Ticket, Finding,
                      AuditEvent])  # fmt: skip
    return counts, seconds


def build(
    name: str, n_cases: int, n_audit: int, n_outlets: int, n_staff: int, seed: int, workers: int = WORKERS
) -> dict[str, int]:
    """Migrate `name` (already created and empty), load the reference and demo data and the bulk."""
    from django.core.management import call_command

    rng = random.Random(seed)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    _log(f"migrations: {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    for cmd in ("seed_reference", "seed_calendar", "seed_demo"):
        call_command(cmd, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    _log(f"reference and demo data: {time.perf_counter() - t0:.1f} s")
    org = _organisations(rng, n_outlets, n_staff)
    counts, seconds = _cases(rng, n_cases, org, n_audit, workers)
    # VACUUM sets the visibility map (index-only scans, as on a table autovacuum has visited) and ANALYZE
    # the statistics; the big tables two at a time.
    t0 = time.perf_counter()
    server = Server(workers)
    server.vacuum(["casework_case", "audit_auditevent", "casework_archiverecord", "ratings_ratingtoken",
                   "ratings_rating", "casework_personlookup", "casework_handoverbatch"])  # fmt: skip
    _log(f"VACUUM ANALYZE: {time.perf_counter() - t0:.1f} s")
    _log(f"{'table':<15} {'rows':>12} {'seconds':>8} {'rows/s':>10}")
    for k, v in counts.items():
        took = seconds.get(k, 0.0)
        _log(f"{k:<15} {v:>12,} {took:>8.1f} {v / max(took, 1e-9):>10,.0f}")
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sheyin.bench scale")
    ap.add_argument("--cases", type=int, default=10_000_000)
    ap.add_argument("--audit", type=int, default=None, help="audit events (default: 2 per case, 20 million)")
    ap.add_argument("--outlets", type=int, default=3000)
    ap.add_argument("--staff", type=int, default=15_000)
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--workers", type=int, default=WORKERS, help="connections loading at once")
    ap.add_argument("--db", help="database name to create (default: sheyin_bench_<pid>_<timestamp>)")
    ap.add_argument("--keep", action="store_true", help="keep the database for the other benchmarks")
    args = ap.parse_args(argv)
    n_audit = args.audit if args.audit is not None else 2 * args.cases

    name = args.db or pgdb.generated_name()
    if pgdb.exists(name):
        print(f"scale: database {name} exists; give a new name (it is never overwritten)", file=sys.stderr)
        return 2
    pgdb.create_database(name)
    _log(f"scale: building in database {name}")
    t_all = time.perf_counter()
    try:
        os.environ.setdefault("SHEYIN_DEMO_MODE", "1")
        pgdb.use_database(name)
        counts = build(name, args.cases, n_audit, args.outlets, args.staff, args.seed, args.workers)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            if pgdb.may_drop(name):
                pgdb.drop_database(name)
                _log(f"scale: dropped {name}")
            else:
                _log(f"scale: kept {name} (not a generated name; drop it yourself)")
    took = time.perf_counter() - t_all
    rows = sum(counts.values())
    if args.keep:
        _log(f"kept: reuse with --db {name}")
    print(f"scale: db={name} cases={counts['cases']} audit={counts['audit']} seconds={took:.0f} "
          f"rows_per_s={rows / took:.0f}", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
