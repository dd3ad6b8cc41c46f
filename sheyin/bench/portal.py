"""Benchmark: the public portal's nearest-outlet query and page with 5,000 outlets.

    python -m sheyin.bench portal [--outlets 5000] [--queries 2000] [--pages 300] [--seed 7]

It builds its own data in a throwaway test database (Django's test-database machinery: a temporary
SQLite file, or a `test_…` PostgreSQL database when DATABASE_URL points there), migrated from scratch
and dropped afterwards, so the development database is never touched. It loads the reference data
(districts, catalogue) and `--outlets` synthetic outlets spread over the 16 districts by population,
about 90 % of them operating (the others applying, suspended or terminated, which must never show).

Then it times

* `sheyin.portal.selectors.nearest_outlets(lon, lat, limit=10)` for `--queries` random points in
  Beijing (every call as the portal makes it: index version check, k-d tree query, the outlets read
  back from the database with `status = operating`), and
* the nearest-outlets page `/outlets/nearest/?lon=…&lat=…` through Django's test Client (URL routing,
  middleware, template rendering) for `--pages` random points, a fifth of them filtered by a service.

Last line: `portal: outlets=<n> nearest_p99_ms=<n> page_p95_ms=<n>`.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path


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


def _load_outlets(n: int, rng: random.Random) -> int:
    from sheyin.common import geo
    from sheyin.common.identifiers import make_uscc
    from sheyin.institutions.models import Agency, Bank, Outlet, OutletStatus

    banks = [
        Bank(
            name=f"基准银行{i}股份有限公司北京分行",
            short_name=f"基准银行{i}",
            uscc=make_uscc(f"91110000{i + 900:09d}"),
            status=Bank.Status.ACTIVE,
        )
        for i in range(15)
    ]
    Bank.objects.bulk_create(banks)
    banks = list(Bank.objects.filter(short_name__startswith="基准银行"))
    agencies = {a.code: a for a in Agency.objects.filter(level=Agency.Level.DISTRICT)}
    weights = {c: geo.districts()[c].population for c in agencies}
    total = sum(weights.values())
    statuses = [OutletStatus.OPERATING] * 90 + [OutletStatus.SUSPENDED] * 4
    statuses += [OutletStatus.TERMINATED] * 3 + [OutletStatus.APPLYING] * 3
    rows = []
    counter = 0
    for code, agency in sorted(agencies.items()):
        share = max(1, round(n * weights[code] / total))
        for lon, lat in geo.random_points_in(code, share, rng):
            if counter >= n:
                break
            counter += 1
            bank = rng.choice(banks)
            rows.append(
                Outlet(
                    bank=bank,
                    code=f"BM{code}{counter:05d}",
                    name=f"{bank.short_name}基准网点{counter}",
                    district=agency,
                    address=f"北京市{agency.district_name}基准路{counter}号",
                    lon=lon,
                    lat=lat,
                    windows=rng.choice([1, 1, 2]),
                    terminals=rng.choice([1, 2, 3]),
                    card_machines=rng.choice([0, 1, 1, 1]),
                    status=rng.choice(statuses),
                )
            )
    while len(rows) < n:  # rounding left a few: put them in the most populous district
        code = max(weights, key=lambda c: weights[c])
        lon, lat = geo.random_points_in(code, 1, rng)[0]
        counter += 1
        rows.append(
            Outlet(bank=banks[0], code=f"BM{code}{counter:05d}", name=f"基准网点{counter}",
                   district=agencies[code], address="北京市", lon=lon, lat=lat,
                   status=OutletStatus.OPERATING)
        )  # fmt: skip
    Outlet.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _random_points(n: int, rng: random.Random) -> list[tuple[float, float]]:
    from sheyin.common import geo

    codes = list(geo.districts())
    weights = [geo.districts()[c].population for c in codes]
    return [geo.random_points_in(rng.choices(codes, weights)[0], 1, rng)[0] for _ in range(n)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sheyin.bench portal", description=__doc__.split("\n")[0])
    ap.add_argument("--outlets", type=int, default=5000)
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv or [])

    _setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment, teardown_test_environment

    rng = random.Random(a.seed)
    tmpdir = tempfile.TemporaryDirectory(prefix="sheyin-bench-portal-")
    if connection.vendor == "sqlite":
        # A file, not memory: the portal reads it as a server would.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(Path(tmpdir.name) / "portal.sqlite3")
    setup_test_environment()
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from sheyin.institutions.models import Outlet, OutletStatus
        from sheyin.portal import nearest, selectors

        t0 = time.perf_counter()
        call_command("seed_reference", verbosity=0)
        n = _load_outlets(a.outlets, rng)
        operating = Outlet.objects.filter(status=OutletStatus.OPERATING).count()
        print(
            f"data: {n} outlets ({operating} operating) in {time.perf_counter() - t0:.1f} s; db {connection.vendor}"
        )

        nearest.reset()
        t0 = time.perf_counter()
        nearest.current(force_check=True)
        print(f"index build: {(time.perf_counter() - t0) * 1000:.1f} ms")

        points = _random_points(a.queries, rng)
        timings, cpu = [], []
        for lon, lat in points:
            t0, c0 = time.perf_counter(), time.process_time()
            found = selectors.nearest_outlets(lon, lat, limit=10)
            timings.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            if len(found) != 10 or any(r.outlet.status != OutletStatus.OPERATING for r in found):
                raise SystemExit("nearest_outlets returned a wrong result")
        print(
            f"nearest_outlets: {len(timings)} queries, p50={_percentile(timings, 50):.2f} ms "
            f"p99={_percentile(timings, 99):.2f} ms max={max(timings):.2f} ms "
            f"(CPU time p99={_percentile(cpu, 99):.2f} ms; load average {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} CPUs: wall-clock tails above the CPU time are other processes' turns)"
        )

        items = [i.code for i in selectors.guide_items()]
        client = Client()
        client.get("/outlets/nearest/?lon=116.4&lat=39.9")  # warm templates and translations
        pages = []
        for i, (lon, lat) in enumerate(_random_points(a.pages, rng)):
            url = f"/outlets/nearest/?lon={lon:.6f}&lat={lat:.6f}&datum=gcj02"
            if items and i % 5 == 0:
                url += f"&service={rng.choice(items)}"
            t0 = time.perf_counter()
            resp = client.get(url)
            pages.append((time.perf_counter() - t0) * 1000)
            if resp.status_code != 200:
                raise SystemExit(f"page answered {resp.status_code}: {url}")
        print(
            f"nearest page: {len(pages)} requests, p50={_percentile(pages, 50):.1f} ms p95={_percentile(pages, 95):.1f} ms"
        )
        print(
            f"portal: outlets={n} nearest_p99_ms={_percentile(timings, 99):.2f} "
            f"page_p95_ms={_percentile(pages, 95):.1f}"
        )
    finally:
        from sheyin.portal import nearest

        nearest.reset()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        tmpdir.cleanup()
    return 0
