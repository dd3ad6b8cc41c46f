"""Benchmark: the main list, detail and export pages for every role, over the scale data set.

    python -m sheyin.bench pages --db NAME [--iterations 10] [--only case_list,...]

NAME is a data set built by `python -m sheyin.bench scale --keep` (this benchmark never builds, changes
the schema of, or drops a database). It logs in as each benchmark user the scale builder made
(municipal, district, bank, outlet manager, outlet staff), requests every page below with Django's test
client (the whole stack: middleware, views, templates), once to warm up and then `--iterations` times,
in a process prepared as gunicorn prepares its workers (`sheyin.common.warmup.prepare_to_fork`),
and prints a table (p50/p95/max in ms, queries) and, last,
`pages: cases=<n> worst=<page> worst_p95_ms=<n>`. A page a role may not open (403/404/redirect) is
listed as such and not timed; an export above the in-request limit, answered by queueing a job and
redirecting to its page, is timed and listed as `job` (the job's own run is not in the figure).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from sheyin.bench import pgdb

ROLES = {
    "municipal": "bench_municipal",
    "district": "bench_district",
    "bank": "bench_bank",
    "manager": "bench_manager",
    "staff": "bench_staff",
}

LISTS = [
    "casework:case_list",
    "casework:archive_list",
    "casework:handover_list",
    "casework:lookup_list",
    "casework:guided_list",
    "ratings:list",
    "ratings:bad_list",
    "ratings:ranking",
    "ratings:statistics",
    "support:ticket_list",
    "supervision:finding_list",
    "supervision:rectification_list",
    "supervision:appraisal_list",
    "cooperation:agreement_list",
    "cooperation:filing_list",
    "cooperation:application_list",
    "staffing:staff_list",
    "staffing:grant_list",
    "staffing:agreement_list",
    "institutions:outlet_list",
    "accounts:user_list",
    "audit:list",
    "dashboards:home",
]
EXPORTS = [
    "casework:case_list",
    "casework:archive_list",
    "ratings:list",
    "support:ticket_list",
    "supervision:finding_list",
    "staffing:staff_list",
]
SEARCHES = ["casework:case_list"]


def _details(user: Any) -> list[tuple[str, str]]:
    """One object in the user's scope per detail page: the newest, as a user would open it from a list."""
    from django.urls import reverse

    from sheyin.casework import selectors as cw
    from sheyin.support.selectors import tickets as tickets_for

    out: list[tuple[str, str]] = []
    case = cw.cases_for(user).order_by("-called_at", "-id").first()
    if case is not None:
        out.append(("casework:case_detail", reverse("casework:case_detail", args=[case.pk])))
        out.append(
            ("casework:case_list?q=<receipt>", reverse("casework:case_list") + f"?q={case.receipt_no}")
        )
    archive = cw.archives_for(user).order_by("-created_at", "-id").first()
    if archive is not None:
        out.append(("casework:archive_detail", reverse("casework:archive_detail", args=[archive.pk])))
    ticket = tickets_for(user).order_by("-raised_at", "-id").first()
    if ticket is not None:
        out.append(("support:ticket_detail", reverse("support:ticket_detail", args=[ticket.pk])))
    return out


def _pages(user: Any) -> list[tuple[str, str]]:
    from django.urls import reverse

    pages = [(name, reverse(name)) for name in LISTS]
    pages += [(f"{name}?export=xlsx", reverse(name) + "?export=xlsx") for name in EXPORTS]
    pages += _details(user)
    return pages


def _time(fn: Callable[[], Any], n: int) -> tuple[list[float], Any]:
    times = []
    last = None
    for _ in range(n):
        t0 = time.perf_counter()
        last = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times, last


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sheyin.bench pages")
    ap.add_argument("--db", required=True, help="a data set built by `python -m sheyin.bench scale --keep`")
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--only", default="", help="comma-separated page names to run (default: all)")
    args = ap.parse_args(argv)
    if not pgdb.exists(args.db):
        print(f"pages: no database {args.db}", file=sys.stderr)
        return 2
    pgdb.use_database(args.db)
    logging.disable(logging.WARNING)
    from sheyin.common.warmup import prepare_to_fork

    prepare_to_fork()  # this process serves as a gunicorn worker does: warmed, its loaded heap frozen

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from sheyin.accounts.models import User

    with connection.cursor() as cur:
        cur.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'casework_case'")
        n_cases = int(cur.fetchone()[0])
    only = {s for s in args.only.split(",") if s}
    rows: list[tuple[str, str, str, float, float, float, int]] = []
    for role, username in ROLES.items():
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for name, url in _pages(user):
            if only and name.split("?")[0] not in only and name not in only:
                continue
            with CaptureQueriesContext(connection) as ctx:
                first = client.get(url)
            # Counted now: `captured_queries` slices the connection's log, which the next request resets.
            n_queries = len(ctx.captured_queries)
            # An export too large for the request answers by queueing a job and showing its page: what the
            # user waits for is that answer, so it is timed too (status "job").
            queued = (
                "export=" in url and first.status_code == 302 and "/exports/" in first.get("Location", "")
            )
            if first.status_code != 200 and not queued:
                rows.append((role, name, str(first.status_code), 0.0, 0.0, 0.0, 0))
                continue
            times, _resp = _time(lambda c=client, u=url: c.get(u), args.iterations)  # type: ignore[misc]
            rows.append((role, name, "job" if queued else "200", pgdb.percentile(times, 50),
                         pgdb.percentile(times, 95), max(times), n_queries))  # fmt: skip
            print(f"  {role:<10} {name:<45} p95 {rows[-1][4]:8.1f} ms", flush=True)
    print(
        f"\n{'role':<10} {'page':<45} {'status':>6} {'p50_ms':>8} {'p95_ms':>8} {'max_ms':>8} {'queries':>7}"
    )
    for role, name, status, p50, p95, mx, q in rows:
        print(f"{role:<10} {name:<45} {status:>6} {p50:8.1f} {p95:8.1f} {mx:8.1f} {q:>7}")
    timed = [r for r in rows if r[2] in ("200", "job")]
    worst = max(timed, key=lambda r: r[4]) if timed else ("-", "-", "", 0.0, 0.0, 0.0, 0)
    print(f"pages: cases={n_cases} worst={worst[0]}:{worst[1]} worst_p95_ms={worst[4]:.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
