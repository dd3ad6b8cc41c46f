"""Planning pages: who sees what, the what-if endpoint, the exports (Excel, PDF with the embedded font)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common import geo
from sheyin.institutions.models import OutletStatus
from sheyin.institutions.tests.factories import OutletFactory, district, municipal
from sheyin.planning import services
from sheyin.planning.models import CandidateSource, PlanRun, RunStatus
from sheyin.planning.tests.factories import offset, plan_run

pytestmark = pytest.mark.django_db
CENTRE = geo.districts()["110105"].center


@pytest.fixture
def world(reference):  # type: ignore[no-untyped-def]
    home, other = district("110105"), district("110108")
    p = offset(*CENTRE, 0, 9000)
    a = OutletFactory(district=home, name="本区甲", lon=p[0], lat=p[1])
    b = OutletFactory(district=home, name="本区乙", lon=offset(*p, 900, 0)[0], lat=offset(*p, 900, 0)[1])
    c = OutletFactory(district=other, name="他区丙", lon=geo.districts()["110108"].center[0],
                      lat=geo.districts()["110108"].center[1])  # fmt: skip
    return {"home": home, "other": other, "a": a, "b": b, "c": c}


PAGES = [
    ("planning:map", []), ("planning:coverage", []), ("planning:run_list", []), ("planning:import_list", []),
    ("planning:run_create", []), ("planning:import_create", ["demand"]),
]  # fmt: skip


@pytest.mark.parametrize(
    "role", [Role.BANK_ADMIN, Role.OUTLET_MANAGER, Role.OUTLET_STAFF, Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN]
)
def test_banks_outlets_and_the_three_admins_have_no_access_to_planning(client, world, role) -> None:  # type: ignore[no-untyped-def]
    if role in (Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN):
        user = user_with_role(role, agency=municipal())
    elif role == Role.BANK_ADMIN:
        user = user_with_role(role, bank=world["a"].bank)
    else:
        user = user_with_role(role, outlet=world["a"])
    client.force_login(user)
    run = plan_run(world["home"])
    for name, args in [*PAGES, ("planning:map_district", ["110105"]), ("planning:run_detail", [run.pk])]:
        assert client.get(reverse(name, args=args)).status_code == 403, name
    assert client.get(reverse("planning:map_data"), {"scope": "110105"}).status_code == 403
    assert client.get(reverse("planning:whatif"), {"scope": "110105"}).status_code == 403


def test_a_municipal_user_sees_the_city_and_every_district(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()))
    for name, args in PAGES:
        assert client.get(reverse(name, args=args)).status_code == 200, name
    assert client.get(reverse("planning:map_district", args=["110108"])).status_code == 200
    body = client.get(reverse("planning:coverage")).content.decode()
    assert "海淀区" in body and "朝阳区" in body and "全市" in body


def test_a_district_user_is_kept_to_its_own_district(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.DISTRICT_INSPECTOR, agency=world["home"]))
    resp = client.get(reverse("planning:map"))
    assert resp.status_code == 302 and resp.url == reverse("planning:map_district", args=["110105"])
    assert client.get(reverse("planning:map_district", args=["110108"])).status_code == 404
    assert client.get(reverse("planning:map_data"), {"scope": "city"}).status_code == 404
    assert client.get(reverse("planning:coverage"), {"district": "110108"}).status_code == 404
    assert client.get(reverse("planning:run_create")).status_code == 403  # the inspector reads, does not run
    data = client.get(reverse("planning:map_data"), {"scope": "110105"}).json()
    assert {o["name"] for o in data["outlets"]} == {"本区甲", "本区乙"}
    assert data["figures"]["violations"] == 1 and data["violations"][0]["distance"] == pytest.approx(
        900, rel=0.01
    )
    assert all(len(c["ring"]) == 33 for c in data["circles"])


def test_the_coverage_report_lists_the_violation_and_exports_it(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.DISTRICT_ADMIN, agency=world["home"]))
    body = client.get(reverse("planning:coverage")).content.decode()
    assert "本区甲" in body and "本区乙" in body and "他区丙" not in body
    resp = client.get(reverse("planning:coverage"), {"export": "xlsx"})
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["各区覆盖率", "未覆盖片区", "间距违规", "说明"]
    rows = list(wb["各区覆盖率"].iter_rows(values_only=True))
    assert rows[1][0] == "朝阳区" and rows[1][5] == 2
    viol = list(wb["间距违规"].iter_rows(values_only=True))[1:]
    assert [(r[1], r[3]) for r in viol] == [("本区甲", "本区乙")]


def test_what_if_adding_and_removing_outlets_changes_the_coverage_at_once(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.DISTRICT_OFFICER, agency=world["home"]))
    url = reverse("planning:whatif")
    base = client.get(url, {"scope": "110105"}).json()
    assert base["before"] == base["after"]
    far = offset(*CENTRE, -4000, -6000)
    added = client.get(url, {"scope": "110105", "add": f"{far[0]},{far[1]}"}).json()
    assert added["after"]["share"] > added["before"]["share"]
    assert added["after"]["covered"] - added["before"]["covered"] > 0
    assert len(added["added"]) == 1 and len(added["added"][0]["ring"]) == 33 and added["violations"] == []
    removed = client.get(url, {"scope": "110105", "remove": f"{world['a'].pk},{world['c'].pk}"}).json()
    assert removed["removed"] == [world["a"].pk]  # an outlet outside the user's scope cannot be removed
    assert removed["after"]["share"] < removed["before"]["share"]
    close = offset(world["a"].lon, world["a"].lat, 0, 500)
    crowded = client.get(url, {"scope": "110105", "add": f"{close[0]},{close[1]};120.0,30.0"}).json()
    assert crowded["outside"] == 1
    assert {v["other"] for v in crowded["violations"]} == {"本区甲", "本区乙"}


def test_a_finished_run_exports_excel_and_a_pdf_that_embeds_the_font(client, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=world["home"])
    run = services.plan_run_create(
        district=world["home"],
        k=2,
        candidate_source=CandidateSource.GRID,
        grid_spacing_m=2000,
        by=officer,
        start=False,
    )
    services.plan_run_execute(run_id=run.pk)
    client.force_login(officer)
    page = client.get(reverse("planning:run_detail", args=[run.pk])).content.decode()
    assert "已证明最优" in page and "网格点" in page
    wb = load_workbook(io.BytesIO(client.get(reverse("planning:run_export", args=[run.pk, "xlsx"])).content))
    sites = list(wb["推荐网点"].iter_rows(values_only=True))[1:]
    assert len(sites) == 2 and all(s[3] == "朝阳区" for s in sites)
    pdf = client.get(reverse("planning:run_export", args=[run.pk, "pdf"])).content
    assert pdf.startswith(b"%PDF-") and b"/FontFile2" in pdf
    (tmp_path / "plan.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", str(tmp_path / "plan.pdf"), str(tmp_path / "page")], check=True
    )
    assert sorted(p.name for p in tmp_path.glob("page*.png"))[0].startswith("page-1")


def test_the_layout_plan_pdf_of_the_city_renders(client, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal()))
    resp = client.get(reverse("planning:map_pdf"), {"scope": "city"})
    assert resp["Content-Type"] == "application/pdf" and b"/FontFile2" in resp.content
    (tmp_path / "city.pdf").write_bytes(resp.content)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "city.pdf"),
            str(tmp_path / "c"),
        ],
        check=True,
    )
    assert list(tmp_path.glob("c*.png"))


def test_the_progress_panel_polls_until_done_and_reloads_on_a_new_answer(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.DISTRICT_OFFICER, agency=world["home"]))
    run = plan_run(world["home"], status=RunStatus.RUNNING, progress=40)
    url = reverse("planning:run_progress", args=[run.pk])
    resp = client.get(url, {"seen": "running"}, HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in resp.content.decode() and "HX-Refresh" not in resp
    PlanRun.objects.filter(pk=run.pk).update(
        status=RunStatus.GREEDY_READY, greedy_result={"sites": [], "share": 0.5}
    )
    assert client.get(url, {"seen": "running"}, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    PlanRun.objects.filter(pk=run.pk).update(status=RunStatus.OPTIMAL)
    done = client.get(url, {"seen": "optimal"}, HTTP_HX_REQUEST="true")
    assert "every 2s" not in done.content.decode()


def test_a_run_left_in_the_queue_says_the_worker_may_be_down(client, world) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from django.utils import timezone

    client.force_login(user_with_role(Role.DISTRICT_OFFICER, agency=world["home"]))
    run = plan_run(world["home"])
    url = reverse("planning:run_progress", args=[run.pk])
    assert "stale-queue" not in client.get(url).content.decode()
    PlanRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(minutes=2))
    assert "stale-queue" in client.get(url).content.decode()


def test_the_cancel_button_goes_through_the_service(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.DISTRICT_OFFICER, agency=world["home"]))
    # a run whose worker is alive (a fresh heartbeat): the job stops it at its next phase
    run = plan_run(
        world["home"], status=RunStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    assert client.get(reverse("planning:run_cancel", args=[run.pk])).status_code == 405
    client.post(reverse("planning:run_cancel", args=[run.pk]))
    run.refresh_from_db()
    assert run.cancel_requested and run.status == RunStatus.RUNNING


def test_the_run_form_starts_a_run_that_the_job_completes(
    client, world, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.DISTRICT_ADMIN, agency=world["home"]))
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("planning:run_create"), {
            "district": world["home"].pk, "k": 2, "demand_source": "census", "candidate_source": "grid",
            "grid_spacing_m": 2500, "time_limit_s": 20,
        })  # fmt: skip
    run = PlanRun.objects.get()
    assert resp.status_code == 302 and resp.url == reverse("planning:run_detail", args=[run.pk])
    assert run.status == RunStatus.OPTIMAL and run.created_by is not None
    bad = client.post(reverse("planning:run_create"), {"district": world["home"].pk, "k": 2, "demand_source": "census",
                                                        "candidate_source": "import", "time_limit_s": 20})  # fmt: skip
    assert "请选择一批导入的候选点" in bad.content.decode() and PlanRun.objects.count() == 1


def test_the_map_pages_carry_their_data_for_the_script(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.DISTRICT_ADMIN, agency=world["home"]))
    body = client.get(reverse("planning:map_district", args=["110105"])).content.decode()
    assert 'id="map-config"' in body and reverse("planning:map_data") in body and "<script>" not in body
    resp = client.get(reverse("planning:map_district", args=["110105"]), {"terminated": "1"})
    assert resp.status_code == 200
    OutletFactory(district=world["home"], name="已终止网点", status=OutletStatus.TERMINATED)
    data = client.get(reverse("planning:map_data"), {"scope": "110105", "terminated": "1"}).json()
    assert "已终止网点" in {o["name"] for o in data["outlets"]}
    data = client.get(reverse("planning:map_data"), {"scope": "110105"}).json()
    assert "已终止网点" not in {o["name"] for o in data["outlets"]}


def test_a_run_stopped_by_its_time_limit_never_says_proven_optimal(client, world) -> None:  # type: ignore[no-untyped-def]
    result = {"existing": 100.0, "existing_share": 0.1, "committed": 120.0, "covered": 500.0, "total": 1000.0,
              "new": 380.0, "share": 0.5, "bound": 520.0, "gap": 20 / 520, "method": "milp-time-limit",
              "proven": False, "sites": [], "candidates": 3, "stats": {}, "timings": {"total": 60.0}}  # fmt: skip
    run = plan_run(
        world["home"], status=RunStatus.TIME_LIMIT, result=result, greedy_result=result, gap=20 / 520
    )
    client.force_login(user_with_role(Role.DISTRICT_OFFICER, agency=world["home"]))
    body = client.get(reverse("planning:run_detail", args=[run.pk])).content.decode()
    assert "已证明最优" not in body and "未证明最优" in body and "≤ 3.85%" in body
    proven = plan_run(world["home"], status=RunStatus.OPTIMAL, result={**result, "proven": True, "gap": 0.0005},
                      greedy_result=result, gap=0.0005)  # fmt: skip
    body = client.get(reverse("planning:run_detail", args=[proven.pk])).content.decode()
    assert "已证明最优" in body and "达到时限" not in body
