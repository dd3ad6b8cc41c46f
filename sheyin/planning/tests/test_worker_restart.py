"""A real long-queue worker killed mid-run (issue 19.6): the run is failed within the heartbeat limit,
cancel on a dead run works, and the district accepts a new run.

The test database is copied into a file that a real `manage.py run_huey_long` process (file-backed
Huey queue, short heartbeat and limit) shares with short `manage.py shell` processes standing in for
the web site and the short queue's sweep.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.tests.factories import district
from sheyin.planning import services
from sheyin.planning.models import CandidateSource, RunStatus

pytestmark = pytest.mark.django_db(transaction=True)

HEARTBEAT_S = 0.5
STALE_S = 4.0
# The worker's solver is slowed down so that the test kills it mid-run, not after it finished.
WORKER = """
import time, django
django.setup()
from sheyin.planning import optimizer
real = optimizer.plan
def slow(*a, **kw):
    for _ in range(600):
        time.sleep(0.1)
        if kw["cancel"]():
            raise optimizer.PlanCancelled("test")
    return real(*a, **kw)
optimizer.plan = slow
from django.core.management import call_command
call_command("run_huey_long", workers=2, worker_type="thread")
"""


def env_for(tmp: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL", "PYTEST_XDIST_WORKER"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        SHEYIN_VAR_DIR=str(tmp),
        SHEYIN_HUEY_IMMEDIATE="false",
        SHEYIN_JOB_HEARTBEAT_S=str(HEARTBEAT_S),
        SHEYIN_JOB_STALE_S=str(STALE_S),
        SHEYIN_DATA_KEY=settings.SHEYIN_DATA_KEY,
        SHEYIN_INDEX_KEY=settings.SHEYIN_INDEX_KEY,
        SHEYIN_SECRET_KEY=settings.SECRET_KEY,
    )
    return env


def shell(tmp: Path, code: str) -> Any:
    """Run Python in a fresh Django process against the shared database; it prints one JSON value."""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=settings.BASE_DIR, env=env_for(tmp), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def row(db: Path, run_id: int) -> dict[str, Any]:
    with sqlite3.connect(db) as con:
        con.row_factory = sqlite3.Row
        r = con.execute(
            "select status, heartbeat_at, error from planning_planrun where id = ?", (run_id,)
        ).fetchone()
    return dict(r)


def wait_for(predicate: Any, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the worker shares the test database through a file copy of it; the run on SQLite covers the rule",
)
def test_a_killed_worker_s_runs_are_failed_within_the_limit_and_can_be_cancelled(tmp_path, reference) -> None:  # type: ignore[no-untyped-def]
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    runs = [
        services.plan_run_create(
            district=district("110105"), k=2, candidate_source=CandidateSource.GRID, grid_spacing_m=2000,
            by=officer, start=False,
        ).pk
        for _ in range(services.MAX_ACTIVE_RUNS)
    ]  # fmt: skip
    db = tmp_path / "db.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(db) as target:
        connection.connection.backup(target)

    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER], cwd=settings.BASE_DIR, env=env_for(tmp_path),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        shell(
            tmp_path,
            f"from sheyin.planning.services import _enqueue\n[_enqueue(i) for i in {runs[:2]}]\nprint(1)",
        )
        wait_for(lambda: all(row(db, r)["status"] == RunStatus.RUNNING for r in runs[:2]), 60)
        first = row(db, runs[0])["heartbeat_at"]
        wait_for(lambda: row(db, runs[0])["heartbeat_at"] != first, 10)  # the worker beats while it runs
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    killed_at = time.monotonic()

    # The district's three places are taken: two dead runs and one still queued.
    refused = shell(tmp_path, f"""
from django.core.exceptions import ValidationError
from sheyin.accounts.models import User
from sheyin.institutions.models import Agency
from sheyin.planning import services
try:
    services.plan_run_create(district=Agency.objects.get(code="110105"), k=2, candidate_source="grid",
                             grid_spacing_m=2000, by=User.objects.get(pk={officer.pk}), start=False)
    print(json.dumps(False))
except ValidationError:
    print(json.dumps(True))
""".replace("json.dumps", "__import__('json').dumps"))  # fmt: skip
    assert refused

    time.sleep(max(0.0, STALE_S + HEARTBEAT_S - (time.monotonic() - killed_at)))
    # Cancel on a dead run takes effect at once; the sweep fails the other one.
    after = shell(tmp_path, f"""
import json
from sheyin.accounts.models import User
from sheyin.institutions.models import Agency
from sheyin.planning import services, tasks
from sheyin.planning.models import PlanRun
by = User.objects.get(pk={officer.pk})
cancelled = services.plan_run_cancel(run=PlanRun.objects.get(pk={runs[1]}), by=by).status
swept = tasks.fail_stale_plan_runs.call_local()
new = services.plan_run_create(district=Agency.objects.get(code="110105"), k=2, candidate_source="grid",
                               grid_spacing_m=2000, by=by, start=False)
print(json.dumps([cancelled, swept, new.status]))
""")  # fmt: skip
    elapsed = time.monotonic() - killed_at
    assert after == [RunStatus.CANCELLED, 1, RunStatus.QUEUED]
    failed = row(db, runs[0])
    assert failed["status"] == RunStatus.FAILED and "心跳" in failed["error"]
    assert row(db, runs[2])["status"] == RunStatus.QUEUED
    # Failed within the limit and one sweep period (the sweep runs every minute in production).
    assert elapsed < STALE_S + 60
