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

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from array import array
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

    def __init__(self, model: Any, columns: Sequence[str]) -> None:
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
                f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT MAX(id) FROM {t}), 1))"  # noqa: S608
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


def _cases(rng: random.Random, n: int, org: dict[str, Any], n_audit: int) -> dict[str, int]:
    from sheyin.audit.models import AuditEvent
    from sheyin.casework.models import ArchiveRecord, Case, HandoverBatch, PersonLookup
    from sheyin.catalogue.selectors import items_in_force, version_in_force
    from sheyin.common import crypto
    from sheyin.common.identifiers import make_id_number
    from sheyin.common.masking import mask_id_number
    from sheyin.ratings.models import Rating, RatingToken
    from sheyin.supervision.models import Finding
    from sheyin.support.models import Ticket

    version = version_in_force()
    assert version is not None, "no catalogue in force"
    items = [
        (i.pk, i.code, i.name[:60], i.category, i.risk == "high")
        for i in items_in_force().filter(channels__contains="W")
    ]
    outlets = org["outlets"]
    staff_by_outlet = org["staff_by_outlet"]
    # Traffic: a quarter of all cases at 10 % of the outlets (the busiest one first).
    busy = [org["busiest"], *rng.sample(outlets, max(1, len(outlets) // 10))]
    t0 = time.perf_counter()
    n_persons = max(1000, min(500_000, n // 20))
    persons = []
    for p in range(n_persons):
        idn = make_id_number(
            f"1101{p % 100:02d}{1950 + p % 50}{1 + p % 12:02d}{1 + p % 28:02d}{p % 1000:03d}"
        )
        persons.append((crypto.blind_index(idn), mask_id_number(idn), f"P{p:010d}"))
    _log(f"applicants: {n_persons:,} persons (blind index) in {time.perf_counter() - t0:.1f} s")

    yesterday = dt.date.today() - dt.timedelta(days=1)
    first = yesterday - dt.timedelta(days=364)
    workdays = [
        first + dt.timedelta(days=d) for d in range(365) if (first + dt.timedelta(days=d)).weekday() < 5
    ]
    day_start = [dt.datetime.combine(d, dt.time(8, 30), tzinfo=TZ) for d in workdays]
    days_n = len(workdays)
    case_base = _next_id(Case)
    last_month = yesterday - dt.timedelta(days=30)
    statuses = ["completed"] * 86 + ["rejected"] * 5 + ["cancelled"] * 4 + ["submitted"] * 3 + ["draft"] * 2
    per_day = max(1, n // days_n)
    # Cases are generated in time order, so ids and receipt numbers rise with called_at.
    # id, outlet, staff, day, completed (0/1), item of each case, as compact arrays.
    meta = (array("q"), array("q"), array("q"), array("h"), array("b"), array("q"))

    def case_meta() -> Iterable[tuple[int, int, int, int, int, int]]:
        return zip(*meta, strict=True)

    receipt_seq: dict[tuple[int, int], int] = {}
    randrange, rnd = rng.randrange, rng.random
    n_out = len(outlets)
    n_busy = len(busy)

    def case_rows() -> Iterable[tuple[Any, ...]]:
        cid = case_base
        for day in range(days_n):
            count = per_day + (1 if day < n - per_day * days_n else 0)
            start = day_start[day]
            dstr = workdays[day].strftime("%Y%m%d")
            minutes = sorted(randrange(0, 540 * 60) for _ in range(count))
            for sec in minutes:
                oi = randrange(n_busy) if rnd() < 0.25 else -1
                o = busy[oi] if oi >= 0 else outlets[randrange(n_out)]
                staff_ids = staff_by_outlet.get(o["id"]) or staff_by_outlet[next(iter(staff_by_outlet))]
                staff = staff_ids[randrange(len(staff_ids))]
                status = statuses[randrange(100)]
                if workdays[day] >= last_month and status == "completed" and rnd() < 0.02:
                    status = "awaiting_review"
                item = items[randrange(len(items))]
                reviewer = None
                if item[4] and status not in ("draft", "cancelled") and len(staff_ids) > 1:
                    reviewer = next(s for s in staff_ids if s != staff)
                person = persons[randrange(n_persons)]
                called = start + dt.timedelta(seconds=sec)
                started = called + dt.timedelta(seconds=60)
                submitted = called + dt.timedelta(minutes=8) if status not in ("draft", "cancelled") else None
                ended = called + dt.timedelta(minutes=12) if status in ("completed", "rejected") else None
                key = (o["id"], day)
                seq = receipt_seq[key] = receipt_seq.get(key, 0) + 1
                token = f"bench{cid:038d}" if status == "completed" else None
                accepted = status not in ("draft", "cancelled")
                for a, v in zip(
                    meta, (cid, o["id"], staff, day, status == "completed", item[0]), strict=True
                ):
                    a.append(int(v))
                yield (
                    cid, f"{o['code']}-{dstr}-{seq + 5000:04d}", o["id"], o["district_id"], o["bank_id"], staff, reviewer,
                    version.pk, item[0], item[1], item[2], item[3], item[4],
                    person[2] if accepted else "", person[0] if accepted else "", person[1] if accepted else "",
                    "张某某" if accepted else "", "110105" if accepted else "", accepted, status, called, started,
                    submitted, ended, f"C{cid:012d}" if submitted else "", "", "", token, called,
                )  # fmt: skip
                cid += 1

    copied = Copier(Case, (
        "id", "receipt_no", "outlet_id", "district_id", "bank_id", "staff_id", "reviewer_id", "catalogue_version_id",
        "item_id", "item_code", "item_name", "item_category", "high_risk", "applicant_ref", "applicant_index",
        "applicant_masked", "applicant_name", "applicant_hukou", "card_checked", "status", "called_at",
        "started_at", "submitted_at", "ended_at", "core_reference", "result_message", "cancel_reason",
        "rating_token", "created_at",
    )).load(case_rows(), "cases", n)  # fmt: skip
    counts = {"cases": copied}

    # Archive records of completed cases, handed over in one batch per outlet and month (older than a
    # month: received; the last month: pending).
    batch_base = _next_id(HandoverBatch)
    batch_ids: dict[tuple[int, int], int] = {}
    outlet_by_id = {o["id"]: o for o in outlets}

    def month_of(day: int) -> int:
        d = workdays[day]
        return d.year * 12 + d.month

    for _cid, oid, _s, day, done, _i in case_meta():
        if done and workdays[day] < last_month:
            batch_ids.setdefault((oid, month_of(day)), 0)
    keys = sorted(batch_ids)
    for k, key in enumerate(keys):
        batch_ids[key] = batch_base + k

    def batch_rows() -> Iterable[tuple[Any, ...]]:
        for (oid, month), bid in sorted(batch_ids.items(), key=lambda kv: kv[1]):
            o = outlet_by_id[oid]
            y, m = divmod(month - 1, 12)
            sent = dt.datetime(y, m + 1, 28, 10, 0, tzinfo=TZ)
            yield (bid, f"YJ-{o['code']}-{y}{m + 1:02d}28-9001", oid, o["district_id"], o["bank_id"], "closed",
                   sent, sent, sent + dt.timedelta(days=2))  # fmt: skip

    counts["batches"] = Copier(HandoverBatch, (
        "id", "number", "outlet_id", "district_id", "bank_id", "status", "created_at", "sent_at", "closed_at",
    )).load(batch_rows(), "handover batches")  # fmt: skip
    archive_base = _next_id(ArchiveRecord)

    def archive_rows() -> Iterable[tuple[Any, ...]]:
        aid = archive_base
        for cid, oid, staff, day, done, _i in case_meta():
            if not done:
                continue
            o = outlet_by_id[oid]
            at = day_start[day] + dt.timedelta(hours=9)
            bid = batch_ids.get((oid, month_of(day)))
            if workdays[day] < last_month and bid is not None:
                status, received = "received", at + dt.timedelta(days=30)
            else:
                status, received, bid = "pending", None, None
            yield (aid, cid, oid, o["district_id"], o["bank_id"], staff, status, bid,
                   workdays[day] + dt.timedelta(days=20), received, at)  # fmt: skip
            aid += 1

    counts["archives"] = Copier(ArchiveRecord, (
        "id", "case_id", "outlet_id", "district_id", "bank_id", "staff_id", "status", "batch_id", "due_date",
        "received_at", "created_at",
    )).load(archive_rows(), "archive records", total=copied)  # fmt: skip

    # Ratings: about one completed case in eight is rated (a token row per rating, used).
    token_base = _next_id(RatingToken)
    rating_base = _next_id(Rating)
    rated = [m for m in case_meta() if m[4] and rnd() < 0.125]
    item_names = {i[0]: i[2] for i in items}

    def token_rows() -> Iterable[tuple[Any, ...]]:
        for k, (cid, oid, _s, day, _d, _i) in enumerate(rated):
            o = outlet_by_id[oid]
            at = day_start[day] + dt.timedelta(hours=9)
            yield (token_base + k, f"bench{cid:038d}", cid, oid, o["district_id"], o["bank_id"], "W", at,
                   at + dt.timedelta(hours=2))  # fmt: skip

    counts["rating_tokens"] = Copier(RatingToken, (
        "id", "token", "case_id", "outlet_id", "district_id", "bank_id", "channel", "issued_at", "used_at",
    )).load(token_rows(), "rating tokens")  # fmt: skip
    levels = [5] * 70 + [4] * 18 + [3] * 8 + [2] * 3 + [1] * 1

    def rating_rows() -> Iterable[tuple[Any, ...]]:
        for k, (cid, oid, staff, day, _d, item) in enumerate(rated):
            o = outlet_by_id[oid]
            lv = levels[randrange(100)]
            at = day_start[day] + dt.timedelta(hours=11)
            yield (rating_base + k, cid, token_base + k, "W", oid, o["district_id"], o["bank_id"], staff,
                   item_names[item], lv, lv, lv, lv, at)  # fmt: skip

    counts["ratings"] = Copier(Rating, (
        "id", "case_id", "token_id", "channel", "outlet_id", "district_id", "bank_id", "staff_id", "item_name",
        "level", "efficiency", "skill", "attitude", "created_at",
    )).load(rating_rows(), "ratings")  # fmt: skip

    # Staff look-ups of applicants: one per accepted case in the last 30 days (the snooping rule's input).
    lookup_base = _next_id(PersonLookup)
    recent_from = max(0, days_n - 22)

    def lookup_rows() -> Iterable[tuple[Any, ...]]:
        lid = lookup_base
        for cid, oid, staff, day, _d, _i in case_meta():
            if day < recent_from:
                continue
            o = outlet_by_id[oid]
            p = persons[randrange(n_persons)]
            yield (lid, oid, o["district_id"], o["bank_id"], staff, cid, day_start[day] + dt.timedelta(hours=2),
                   p[0], p[1])  # fmt: skip
            lid += 1

    counts["lookups"] = Copier(PersonLookup, (
        "id", "outlet_id", "district_id", "bank_id", "staff_id", "case_id", "at", "person_index", "person_masked",
    )).load(lookup_rows(), "person look-ups")  # fmt: skip

    # Tickets (one per 500 cases) and findings (one per 2,000 cases), spread over the year.
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

    counts["tickets"] = Copier(Ticket, (
        "id", "number", "outlet_id", "district_id", "bank_id", "category", "title", "description", "status",
        "raised_by_name", "raised_at", "reply_due", "close_due", "first_reply_at", "closed_at", "resolution",
    )).load(ticket_rows(), "tickets")  # fmt: skip
    finding_base = _next_id(Finding)
    n_findings = max(10, n // 2000)

    def finding_rows() -> Iterable[tuple[Any, ...]]:
        for k in range(n_findings):
            o = outlets[randrange(n_out)]
            day = randrange(days_n)
            yield (finding_base + k, f"WT-BENCH-{k:07d}", "public_feedback", o["id"], o["district_id"], o["bank_id"],
                   f"群众反映问题{k}", "测试", ["open", "closed", "dismissed"][k % 3], f"BENCH{k:07d}",
                   day_start[day] + dt.timedelta(hours=3))  # fmt: skip

    counts["findings"] = Copier(Finding, (
        "id", "number", "source", "outlet_id", "district_id", "bank_id", "title", "detail", "status",
        "external_ref", "found_at",
    )).load(finding_rows(), "findings")  # fmt: skip

    # Audit events: the case edits behind each case, in time order (unsealed, as the sealer finds them).
    audit_base = _next_id(AuditEvent)
    actions = ("case.choose_item", "case.identify", "case.materials", "case.submit", "case.update")
    n_meta = len(meta[0])

    def audit_rows() -> Iterable[tuple[Any, ...]]:
        per = max(1, n_audit // max(1, n_meta))
        eid = audit_base
        done = 0
        for cid, _o, staff, day, _d, _i in case_meta():
            at = day_start[day] + dt.timedelta(hours=1)
            for k in range(per):
                if done >= n_audit:
                    return
                yield (eid, at + dt.timedelta(seconds=k * 30), staff, f"bench_s{staff}", actions[k % 5],
                       "casework.case", str(cid), str(cid))  # fmt: skip
                eid += 1
                done += 1
        while done < n_audit:
            j = randrange(n_meta)
            cid, staff, day = meta[0][j], meta[2][j], meta[3][j]
            yield (eid, day_start[day] + dt.timedelta(hours=5), staff, f"bench_s{staff}", "case.update",
                   "casework.case", str(cid), str(cid))  # fmt: skip
            eid += 1
            done += 1

    counts["audit"] = Copier(AuditEvent, (
        "id", "at", "actor_id", "actor_name", "action", "object_type", "object_id", "object_repr",
    )).load(audit_rows(), "audit events", total=n_audit)  # fmt: skip
    _reset_sequences([Case, HandoverBatch, ArchiveRecord, RatingToken, Rating, PersonLookup, Ticket, Finding,
                      AuditEvent])  # fmt: skip
    return counts


def build(name: str, n_cases: int, n_audit: int, n_outlets: int, n_staff: int, seed: int) -> dict[str, int]:
    """Migrate `name` (already created and empty), load the reference and demo data and the bulk."""
    from django.core.management import call_command
    from django.db import connection

    rng = random.Random(seed)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    _log(f"migrations: {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    for cmd in ("seed_reference", "seed_calendar", "seed_demo"):
        call_command(cmd, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    _log(f"reference and demo data: {time.perf_counter() - t0:.1f} s")
    org = _organisations(rng, n_outlets, n_staff)
    counts = _cases(rng, n_cases, org, n_audit)
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    _log(f"ANALYZE: {time.perf_counter() - t0:.1f} s")
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sheyin.bench scale")
    ap.add_argument("--cases", type=int, default=10_000_000)
    ap.add_argument("--audit", type=int, default=None, help="audit events (default: 2 per case, 20 million)")
    ap.add_argument("--outlets", type=int, default=3000)
    ap.add_argument("--staff", type=int, default=15_000)
    ap.add_argument("--seed", type=int, default=20261206)
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
        counts = build(name, args.cases, n_audit, args.outlets, args.staff, args.seed)
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
    for k, v in counts.items():
        _log(f"  {k:<15} {v:>12,}")
    if args.keep:
        _log(f"kept: reuse with --db {name}")
    print(f"scale: db={name} cases={counts['cases']} audit={counts['audit']} seconds={took:.0f} "
          f"rows_per_s={rows / took:.0f}", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
