"""What a dashboard page costs in queries: the charts label districts and banks from one read each per
request, and the snapshot day and the coverage figures are read once however many charts ask."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.dashboards import aggregates
from sheyin.institutions.tests.factories import municipal

from . import factories as f

pytestmark = pytest.mark.django_db


def test_the_city_cockpit_reads_names_snapshot_day_and_coverage_once(client, reference) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    f.case(f.outlet(), f.at(today))
    f.case(f.outlet("110108"), f.at(today))
    aggregates.refresh(since=today.replace(day=1), until=today)
    client.force_login(user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()))
    client.get(reverse("dashboards:home"))
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(reverse("dashboards:home"))
    assert resp.status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    agency_names = [
        s
        for s in sql
        if s.startswith('SELECT "institutions_agency"."id" AS "pk", "institutions_agency"."district_name"')
    ]
    assert len(agency_names) == 1, agency_names
    snapshot_days = [
        s
        for s in sql
        if s.startswith('SELECT "dashboards_dailyfigure"."day" AS "day"') and s.endswith("LIMIT 1")
    ]
    assert len(snapshot_days) == 2, snapshot_days  # the outlet snapshots' day and the coverage's day
    # A snapshot (one day's figures) is read once per set of measures; the like-for-like volume reads three
    # short spans of days on purpose (this month, last month, last year), each its own statement.
    snapshots = [s for s in sql if '"dashboards_dailyfigure"."day" = ' in s]
    assert len(snapshots) == len(set(snapshots)), snapshots
    assert len(sql) <= 52, "\n".join(s[:160] for s in sql)
