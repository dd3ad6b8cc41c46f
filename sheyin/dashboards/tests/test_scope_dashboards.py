"""Data scope of the dashboards and reports (design rule 2), every role: the figures (DailyFigure,
MonthlyFigure), the issued reports (IssuedReport) and their runs (ReportRun) read through the selectors, the
dashboard pages with their drill-downs, every chart's Excel export, and report pages and downloads."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sheyin.accounts.roles import LEVEL, Level, Role
from sheyin.accounts.scope import scoped
from sheyin.accounts.tests.factories import user_with_role
from sheyin.dashboards import aggregates, services
from sheyin.dashboards.models import DailyFigure, Grain, IssuedReport, MonthlyFigure, ReportKind, ReportRun
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal

from . import factories as f

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 10)


@pytest.fixture
def world(reference, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    home_d, other_d = district("110105"), district("110108")
    home_b, other_b = BankFactory(short_name="本行"), BankFactory(short_name="他行")
    outlets = {
        "home": OutletFactory(bank=home_b, district=home_d, name="本行本区网点", status="operating"),
        "home_bank_other_district": OutletFactory(bank=home_b, district=other_d, name="本行他区网点",
                                                  status="operating"),
        "other_bank_home_district": OutletFactory(bank=other_b, district=home_d, name="他行本区网点",
                                                  status="operating"),
        "other": OutletFactory(bank=other_b, district=other_d, name="他行他区网点", status="operating"),
    }  # fmt: skip
    for o in outlets.values():
        f.case(o, f.at(DAY))
        f.rating(o, f.at(DAY), 5)
        f.guided(o, f.at(DAY), code=f.ITEM)
    aggregates.refresh(since=DAY, until=DAY)
    aggregates.current()
    users = {}
    for role in Role:
        level = LEVEL[role]
        if level == Level.ALL:
            users[role] = user_with_role(role, agency=municipal())
        elif level == Level.DISTRICT:
            users[role] = user_with_role(role, agency=home_d)
        elif level == Level.BANK:
            users[role] = user_with_role(role, bank=home_b)
        else:
            users[role] = user_with_role(role, outlet=outlets["home"])
    issued = {}
    for key, d in (("city", None), ("home", home_d), ("other", other_d)):
        run = services.report_run_request(
            kind=ReportKind.MONTHLY, district=d, start=DAY, by=None, execute=False
        )
        issued[key] = services.report_run_execute(run_id=run.pk)
    return {"outlets": outlets, "users": users, "home_d": home_d, "other_d": other_d, "home_b": home_b,
            "other_b": other_b, "reports": issued}  # fmt: skip


def expected(role: Role) -> set[str]:
    level = LEVEL[role]
    if level == Level.ALL:
        return {"home", "home_bank_other_district", "other_bank_home_district", "other"}
    if level == Level.DISTRICT:
        return {"home", "other_bank_home_district"}
    if level == Level.BANK:
        return {"home", "home_bank_other_district"}
    if level == Level.OUTLET:
        return {"home"}
    return set()  # 仅本人: figures are about outlets, never about one person


@pytest.mark.parametrize("role", list(Role))
def test_figures_stay_in_scope(world, role) -> None:  # type: ignore[no-untyped-def]
    user = world["users"][role]
    pks = {k: o.pk for k, o in world["outlets"].items()}
    allowed = {pks[k] for k in expected(role)}
    for model in (DailyFigure, MonthlyFigure):
        seen = scoped(model.objects.filter(grain=Grain.OUTLET), user)
        assert set(seen.values_list("outlet_id", flat=True)) == allowed, model
        coarse = scoped(model.objects.exclude(grain=Grain.OUTLET), user)
        level = LEVEL[role]
        if level == Level.ALL:
            assert coarse.count() == model.objects.exclude(grain=Grain.OUTLET).count()
        elif level == Level.DISTRICT:
            assert set(coarse.values_list("district_id", flat=True)) == {world["home_d"].pk}
        elif level == Level.BANK:
            assert set(coarse.values_list("bank_id", flat=True)) == {world["home_b"].pk}
        else:  # an outlet sees no district-wide or district × bank sum
            assert not coarse.exists()


@pytest.mark.parametrize("role", list(Role))
def test_reports_and_runs_stay_in_scope(world, role) -> None:  # type: ignore[no-untyped-def]
    from sheyin.dashboards.selectors import report_runs_for, reports_for

    user = world["users"][role]
    r = world["reports"]
    level = LEVEL[role]
    can = user.has_perm("dashboards.view_reports")
    want = set()
    if can and level == Level.ALL:
        want = {r["city"].pk, r["home"].pk, r["other"].pk}
    elif can and level == Level.DISTRICT:
        want = {r["home"].pk}
    assert set(reports_for(user).values_list("pk", flat=True)) == want
    assert set(report_runs_for(user).values_list("report_id", flat=True)) == want
    assert set(scoped(IssuedReport.objects.all(), user).values_list("pk", flat=True)) <= {
        r["city"].pk, r["home"].pk, r["other"].pk}  # fmt: skip
    assert scoped(ReportRun.objects.all(), user).count() <= 3


def _names(world, keys):  # type: ignore[no-untyped-def]
    return {world["outlets"][k].name for k in keys}


@pytest.mark.parametrize("role", list(Role))
def test_dashboard_pages_and_exports_stay_in_scope(client, world, role) -> None:  # type: ignore[no-untyped-def]
    user = world["users"][role]
    client.force_login(user)
    home = reverse("dashboards:home")
    resp = client.get(home)
    assert resp.status_code == 200  # every role has a home page (to-dos at least)
    body = resp.content.decode()
    forbidden = _names(world, set(world["outlets"]) - expected(role))
    if not user.has_perm("dashboards.view"):
        assert "dashboard-data" not in body
        assert (
            client.get(home, {"export": "xlsx", "chart": "volume-trend"}).status_code == 200
        )  # no export: the page
        return
    assert not any(n in body for n in forbidden)
    board = resp.context["board"]
    for chart in board.charts:
        export = client.get(home, {"export": "xlsx", "chart": chart.id})
        assert export.status_code == 200, chart.id
        cells = {str(v) for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True)
                 for v in row}  # fmt: skip
        assert not cells & forbidden, chart.id
        if LEVEL[role] == Level.BANK:
            assert "他行" not in cells, chart.id
    # drill-downs outside the scope are not found
    for key, outlet in world["outlets"].items():
        status = client.get(home, {"outlet": outlet.pk}).status_code
        assert status == (200 if key in expected(role) else 404), key
    level = LEVEL[role]
    other_d, other_b = world["other_d"].pk, world["other_b"].pk
    assert client.get(home, {"district": other_d}).status_code == (404 if level == Level.DISTRICT else 200)
    assert client.get(home, {"bank": other_b}).status_code == (404 if level == Level.BANK else 200)
    assert client.get(home, {"export": "xlsx", "chart": "no-such-chart"}).status_code == 404


@pytest.mark.parametrize("role", list(Role))
def test_report_pages_and_downloads_stay_in_scope(client, world, role) -> None:  # type: ignore[no-untyped-def]
    user = world["users"][role]
    client.force_login(user)
    r = world["reports"]
    level = LEVEL[role]
    listing = client.get(reverse("dashboards:report_list"))
    if not user.has_perm("dashboards.view_reports"):
        assert listing.status_code == 403
        assert client.get(reverse("dashboards:report_detail", args=[r["home"].pk])).status_code == 403
        assert (
            client.get(reverse("dashboards:report_download", args=[r["home"].pk, "pdf"])).status_code == 403
        )
        return
    body = listing.content.decode()
    visible = {"city", "home", "other"} if level == Level.ALL else {"home"}
    for key, report in r.items():
        assert (report.title in body) == (key in visible), key
        for url in (reverse("dashboards:report_detail", args=[report.pk]),
                    reverse("dashboards:report_download", args=[report.pk, "xlsx"]),
                    reverse("dashboards:report_download", args=[report.pk, "pdf"])):  # fmt: skip
            assert client.get(url).status_code == (200 if key in visible else 404), (key, url)


@pytest.mark.parametrize("role", list(Role))
def test_report_runs_the_new_form_and_reissue_stay_in_scope(client, world, role) -> None:  # type: ignore[no-untyped-def]
    user = world["users"][role]
    client.force_login(user)
    level = LEVEL[role]
    runs = {k: ReportRun.objects.get(report=r) for k, r in world["reports"].items()}
    visible = set()
    if user.has_perm("dashboards.view_reports"):
        visible = {"city", "home", "other"} if level == Level.ALL else {"home"}
    for key, run in runs.items():
        status = client.get(reverse("dashboards:report_run", args=[run.pk])).status_code
        if not user.has_perm("dashboards.view_reports"):
            assert status == 403
        else:
            assert status == (200 if key in visible else 404), key
    form = client.get(reverse("dashboards:report_run_new"))
    can_run = user.has_perm("dashboards.run_reports")
    assert form.status_code == (200 if can_run else 403)
    if can_run:  # the scope choices are the user's own
        choices = [c[1] for c in form.context["form"].fields["scope"].choices]
        assert choices == (["全市", *[d.district_name for d in selectors_districts()]] if level == Level.ALL
                           else ["朝阳区"])  # fmt: skip
    before = IssuedReport.objects.count()
    for key, report in world["reports"].items():
        resp = client.post(reverse("dashboards:report_reissue", args=[report.pk]))
        if not can_run:
            assert resp.status_code == 403
        else:
            assert resp.status_code == (302 if key in visible else 404), key
    assert IssuedReport.objects.count() >= before


def selectors_districts():  # type: ignore[no-untyped-def]
    from sheyin.institutions.selectors import districts

    return list(districts())
