"""Benchmark: the dashboard aggregates and the dashboards over the scale data set.

    python -m sheyin.bench dashboards --db NAME [--iterations 20] [--skip-rebuild]

NAME is a data set built by `python -m sheyin.bench scale --keep`. The benchmark first rebuilds the
pre-aggregated daily figures over the whole data set (`aggregates.rebuild`, every day from the first
case: what a new installation or a recovery does; timed and printed), then times the daily refresh the
nightly job runs (`aggregates.nightly`: the recent days and today's snapshot, then `aggregates.tidy`), then the municipal,
district and bank dashboards (the home page of bench_municipal, bench_district and bench_bank) with
Django's test client: one warm-up and `--iterations` timed requests each.

Last line: `dashboards: cases=<n> municipal_p95_ms=<n> district_p95_ms=<n> bank_p95_ms=<n> refresh_s=<n>`
(refresh_s is the daily refresh).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from sheyin.bench import pgdb

BOARDS = {"municipal": "bench_municipal", "district": "bench_district", "bank": "bench_bank"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sheyin.bench dashboards")
    ap.add_argument("--db", required=True, help="a data set built by `python -m sheyin.bench scale --keep`")
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--skip-rebuild", action="store_true", help="the figures are already built")
    args = ap.parse_args(argv)
    if not pgdb.exists(args.db):
        print(f"dashboards: no database {args.db}", file=sys.stderr)
        return 2
    pgdb.use_database(args.db)
    logging.disable(logging.WARNING)

    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from sheyin.accounts.models import User
    from sheyin.dashboards import aggregates

    with connection.cursor() as cur:
        cur.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'casework_case'")
        n_cases = int(cur.fetchone()[0])
    if not args.skip_rebuild:
        t0 = time.perf_counter()
        res = aggregates.rebuild()
        aggregates.tidy()
        print(f"rebuild (every day of the data set): {time.perf_counter() - t0:.1f} s, {res}", flush=True)
    t0 = time.perf_counter()
    res = aggregates.nightly()
    aggregates.tidy()  # part of the nightly job
    refresh_s = time.perf_counter() - t0
    print(f"daily refresh (nightly job): {refresh_s:.1f} s, {res}", flush=True)
    p95: dict[str, float] = {}
    url = reverse("dashboards:home")
    for board, username in BOARDS.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        first = client.get(url)
        if first.status_code != 200:
            print(f"{board}: status {first.status_code}", file=sys.stderr)
            return 1
        times = []
        for _ in range(args.iterations):
            t0 = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        p95[board] = pgdb.percentile(times, 95)
        print(f"{board:<10} p50 {pgdb.percentile(times, 50):7.1f} ms  p95 {p95[board]:7.1f} ms  "
              f"max {max(times):7.1f} ms", flush=True)  # fmt: skip
    print(f"dashboards: cases={n_cases} municipal_p95_ms={p95['municipal']:.0f} "
          f"district_p95_ms={p95['district']:.0f} bank_p95_ms={p95['bank']:.0f} refresh_s={refresh_s:.1f}",
          flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
