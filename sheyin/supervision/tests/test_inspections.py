"""Quarterly inspection plans and the on-site checklist (Annex 13)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.models import OutletStatus
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district
from sheyin.supervision import services
from sheyin.supervision.checklists import INSPECTION_ITEMS
from sheyin.supervision.models import Finding, Inspection

from .factories import outlet, people

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 10, 8)  # Q4, after National Day


def _district_with_outlets(n: int = 6) -> tuple[list, dict]:
    outs = [outlet() for _ in range(n)]
    return outs, people(outs[0])


def test_every_operating_outlet_is_planned_once_per_quarter(reference, calendar) -> None:
    outs, p = _district_with_outlets(6)
    suspended = OutletFactory(district=district("110105"), bank=BankFactory(), status=OutletStatus.SUSPENDED)
    elsewhere = outlet("110108")
    plan = services.inspection_plan_generate(district=outs[0].district, year=2026, quarter=4, by=p["head"],
                                             today=TODAY)  # fmt: skip
    planned = list(plan.inspections.values_list("outlet_id", flat=True))
    assert sorted(planned) == sorted(o.pk for o in outs)
    assert suspended.pk not in planned and elsewhere.pk not in planned
    for i in plan.inspections.all():
        assert dt.date(2026, 10, 8) <= i.scheduled_date <= dt.date(2026, 12, 31)
    # generating again adds only an outlet that started operating since, never a second visit
    newcomer = outlet()
    services.inspection_plan_generate(
        district=outs[0].district, year=2026, quarter=4, by=p["head"], today=TODAY
    )
    assert plan.inspections.count() == 7
    assert plan.inspections.filter(outlet=newcomer).count() == 1


def test_the_riskiest_outlets_come_first_and_the_rest_are_a_reproducible_draw(reference, calendar) -> None:
    outs, p = _district_with_outlets(6)
    for _ in range(3):
        services.finding_create(outlet=outs[4], source="public_feedback", title="投诉", by=p["officer"])
    services.finding_create(outlet=outs[2], source="public_feedback", title="投诉", by=p["officer"])
    plan = services.inspection_plan_generate(district=outs[0].district, year=2026, quarter=4, risk_share=50,
                                             by=p["head"], today=TODAY)  # fmt: skip
    risky = list(plan.inspections.filter(reason="risk").order_by("scheduled_date", "id"))
    assert [i.outlet_id for i in risky] == [outs[4].pk, outs[2].pk]
    assert risky[0].risk_score == 30
    random_first = min(i.scheduled_date for i in plan.inspections.filter(reason="random"))
    assert risky[0].scheduled_date <= random_first
    order = list(
        plan.inspections.filter(reason="random")
        .order_by("scheduled_date", "id")
        .values_list("outlet_id", flat=True)
    )
    # the same seed gives the same draw in another quarter's plan
    plan2 = services.inspection_plan_generate(district=outs[0].district, year=2027, quarter=1, risk_share=50,
                                              by=p["head"], seed=f"{outs[0].district_id}-2026-Q4", today=TODAY)  # fmt: skip
    order2 = list(
        plan2.inspections.filter(reason="random")
        .order_by("scheduled_date", "id")
        .values_list("outlet_id", flat=True)
    )
    assert order == order2


def test_inspectors_are_assigned_in_turn(reference, calendar) -> None:
    outs, p = _district_with_outlets(4)
    a = user_with_role(Role.DISTRICT_INSPECTOR, agency=outs[0].district)
    b = user_with_role(Role.DISTRICT_INSPECTOR, agency=outs[0].district)
    plan = services.inspection_plan_generate(district=outs[0].district, year=2026, quarter=4, by=p["head"],
                                             today=TODAY)  # fmt: skip
    assert sorted(plan.inspections.values_list("inspector_id", flat=True)) == sorted([a.pk, a.pk, b.pk, b.pk])


def test_a_plan_for_a_finished_quarter_or_by_an_outlet_is_refused(reference, calendar) -> None:
    outs, p = _district_with_outlets(1)
    with pytest.raises(ValidationError):
        services.inspection_plan_generate(
            district=outs[0].district, year=2026, quarter=2, by=p["head"], today=TODAY
        )
    with pytest.raises(PermissionDenied):
        services.inspection_plan_generate(district=outs[0].district, year=2026, quarter=4, by=p["manager"],
                                          today=TODAY)  # fmt: skip
    other = people(outlet("110108"))
    with pytest.raises(PermissionDenied):
        services.inspection_plan_generate(district=outs[0].district, year=2026, quarter=4, by=other["head"],
                                          today=TODAY)  # fmt: skip


def _post_checklist(client, i: Inspection, fail: set[int], photo: bool = False):  # type: ignore[no-untyped-def]
    data: dict = {"notes": "整体良好"}
    for n in range(len(INSPECTION_ITEMS)):
        data[f"result_{n}"] = "fail" if n in fail else "pass"
        data[f"note_{n}"] = "标牌缺失" if n in fail else ""
    if photo:
        data["photos"] = SimpleUploadedFile(
            "p.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, content_type="image/png"
        )
    return client.post(reverse("supervision:inspection_detail", args=[i.pk]), data)


def test_failed_checklist_items_become_findings_and_the_score_is_the_share_passed(client, reference) -> None:
    o = outlet()
    inspector = user_with_role(Role.DISTRICT_INSPECTOR, agency=o.district)
    i = services.inspection_schedule(outlet=o, scheduled_date=TODAY, by=inspector)
    client.force_login(inspector)
    resp = _post_checklist(client, i, fail={0, 3}, photo=True)
    assert resp.status_code == 302
    i.refresh_from_db()
    assert i.status == "done" and i.score == 80 and i.photos.count() == 1
    found = Finding.objects.filter(inspection=i)
    assert found.count() == 2 and {f.source for f in found} == {"inspection"}
    assert str(INSPECTION_ITEMS[0]) in found.order_by("id")[0].title
    page = client.get(reverse("supervision:inspection_detail", args=[i.pk]))
    assert "80" in page.content.decode() and found[0].number in page.content.decode()
    photo = client.get(reverse("supervision:inspection_photo", args=[i.photos.get().pk]))
    assert photo.status_code == 200


def test_a_failed_item_without_a_note_is_refused_and_nothing_is_recorded(client, reference) -> None:
    o = outlet()
    inspector = user_with_role(Role.DISTRICT_INSPECTOR, agency=o.district)
    i = services.inspection_schedule(outlet=o, scheduled_date=TODAY, by=inspector)
    client.force_login(inspector)
    data = {f"result_{n}": "pass" for n in range(len(INSPECTION_ITEMS))} | {"result_1": "fail"}
    resp = client.post(reverse("supervision:inspection_detail", args=[i.pk]), data)
    assert resp.status_code == 200 and "须填写说明" in resp.content.decode()
    i.refresh_from_db()
    assert i.status == "planned" and not Finding.objects.exists()


def test_an_outlet_manager_sees_but_cannot_record_an_inspection(client, reference) -> None:
    o = outlet()
    p = people(o)
    inspector = user_with_role(Role.DISTRICT_INSPECTOR, agency=o.district)
    i = services.inspection_schedule(outlet=o, scheduled_date=TODAY, by=inspector)
    client.force_login(p["manager"])
    assert client.get(reverse("supervision:inspection_detail", args=[i.pk])).status_code == 200
    assert _post_checklist(client, i, fail=set()).status_code == 403


def test_plan_pages_list_the_visits(client, reference, calendar) -> None:
    outs, p = _district_with_outlets(3)
    client.force_login(p["head"])
    today = dt.date.today()
    resp = client.post(reverse("supervision:plan_list"),
                       {"year": today.year, "quarter": (today.month - 1) // 3 + 1, "risk_share": 50})  # fmt: skip
    assert resp.status_code == 302
    detail = client.get(resp["Location"])
    for o in outs:
        assert o.name in detail.content.decode()
    assert client.get(resp["Location"] + "?export=xlsx").status_code == 200
