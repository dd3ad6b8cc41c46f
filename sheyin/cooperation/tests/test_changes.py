"""An accepted or operating outlet changes what a rule depends on only by a change request the district
approves (R3.1, R8.4, R4.2): each old bypass is taken and refused, the procedure is walked, maker–checker
holds, a move is checked against the layout (with the layout exception route), equipment against the
three modes, and a move into another district is refused with the route to take."""

from __future__ import annotations

import math
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.cooperation import services
from sheyin.cooperation.models import LifecycleEvent, OutletChangeRequest
from sheyin.cooperation.workflow import ChangeRequestStatus, MakerCheckerError, TransitionError
from sheyin.institutions import services as registry
from sheyin.institutions.models import Outlet, OutletStatus
from sheyin.institutions.tests.factories import point_in

from .factories import cooperating, district, far_point, operating_outlet_direct

pytestmark = pytest.mark.django_db


def east_of(o: Outlet, metres: float) -> tuple[float, float]:
    return o.lon + metres / (111320 * math.cos(math.radians(o.lat))), o.lat


@pytest.fixture
def world(reference) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating_outlet_direct(p.bank, point=far_point(p.district), windows=1, terminals=1,
                                     online_counters=1, document_cameras=2, card_machines=1)  # fmt: skip
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=outlet)
    return {"p": p, "outlet": outlet, "manager": manager}


def test_equipment_changes_only_when_the_district_approves_the_request(world) -> None:  # type: ignore[no-untyped-def]
    p, outlet = world["p"], world["outlet"]
    cr = services.outlet_change_request_create(
        outlet=outlet,
        changes={"windows": 2, "card_machines": 2, "document_cameras": 3, "floor_area_m2": 260},
        reason="扩建后增设一个人工窗口",
        by=world["manager"],
    )
    assert cr.status == ChangeRequestStatus.SUBMITTED
    assert {c["field"] for c in cr.changes} == {
        "windows",
        "card_machines",
        "document_cameras",
        "floor_area_m2",
    }
    assert Outlet.objects.get(pk=outlet.pk).windows == 1  # nothing changes before the decision
    with pytest.raises(NotAllowed):  # only a district admin approves
        services.outlet_change_request_approve(change_request=cr, by=p.district_officer)
    services.outlet_change_request_approve(change_request=cr, reason="同意", by=p.district_admin)
    fresh = Outlet.objects.get(pk=outlet.pk)
    assert (fresh.windows, fresh.card_machines, fresh.document_cameras, fresh.floor_area_m2) == (2, 2, 3, 260)
    assert fresh.status == OutletStatus.OPERATING
    assert AuditEvent.objects.filter(
        action="cooperation.change_request.approve", object_id=str(cr.pk)
    ).exists()
    assert AuditEvent.objects.filter(action="outlet.update", object_id=str(outlet.pk)).exists()
    assert LifecycleEvent.objects.filter(outlet=outlet, action="change_request.approve").exists()


def test_the_three_modes_check_refuses_equipment_set_to_zero(world) -> None:  # type: ignore[no-untyped-def]
    """R3.1, R2.1–R2.3: terminals, online counters and card machines set to 0 are refused at once."""
    with pytest.raises(ValidationError) as exc:
        services.outlet_change_request_create(
            outlet=world["outlet"],
            changes={"terminals": 0, "online_counters": 0, "card_machines": 0},
            reason="撤除设备",
            by=world["p"].bank_admin,
        )
    errors = exc.value.message_dict
    assert set(errors) == {"terminals", "online_counters", "card_machines"}
    assert "自助服务终端至少1台" in errors["terminals"][0]
    assert not OutletChangeRequest.objects.exists()


def test_a_move_into_another_district_is_refused_with_the_route_to_take(world) -> None:  # type: ignore[no-untyped-def]
    outlet = world["outlet"]
    lon, lat = point_in("110108")  # 海淀
    with pytest.raises(ValidationError) as exc:
        services.outlet_change_request_create(
            outlet=outlet, changes={"lon": lon, "lat": lat}, reason="迁往海淀", by=world["p"].bank_admin
        )
    assert "不能跨区迁移" in exc.value.message_dict["lon"][0]
    assert (
        "终止合作" in exc.value.message_dict["lon"][0] and "网点设立申请" in exc.value.message_dict["lon"][0]
    )
    with pytest.raises(ValidationError) as exc:
        services.outlet_change_request_create(
            outlet=outlet, changes={"district": district("110108")}, reason="改区", by=world["p"].bank_admin
        )
    assert "不能跨区迁移" in exc.value.message_dict["district"][0]
    assert not OutletChangeRequest.objects.exists()


def test_a_move_inside_the_minimum_distance_needs_the_municipal_layout_exception(world) -> None:  # type: ignore[no-untyped-def]
    """R8.4: the move that once put an operating outlet 43 m from another is refused at approval until the
    district justifies it and the municipal center approves the exception."""
    p, outlet = world["p"], world["outlet"]
    neighbour = operating_outlet_direct(p.bank, point=far_point(p.district))
    lon, lat = east_of(neighbour, 43)
    cr = services.outlet_change_request_create(
        outlet=outlet, changes={"lon": lon, "lat": lat, "address": "新址"}, reason="迁址", by=p.bank_admin
    )
    assert cr.layout_result["violations"]  # checked when asked
    with pytest.raises(TransitionError, match="迁址后的位置不符合最小间距要求"):
        services.outlet_change_request_approve(change_request=cr, by=p.district_admin)
    assert Outlet.objects.get(pk=outlet.pk).lon == outlet.lon
    cr = services.outlet_change_request_justify_layout(
        change_request=cr, justification="商圈人流密集，原址拆迁", by=p.district_officer
    )
    assert cr.status == ChangeRequestStatus.LAYOUT_REVIEW
    with pytest.raises(TransitionError):  # the district waits for the municipal center
        services.outlet_change_request_approve(change_request=cr, by=p.district_admin)
    cr = services.outlet_change_request_decide_layout(
        change_request=cr, approve=True, reason="同意", by=p.muni_officer
    )
    assert cr.status == ChangeRequestStatus.SUBMITTED and cr.layout_covered
    services.outlet_change_request_approve(change_request=cr, by=p.district_admin)
    fresh = Outlet.objects.get(pk=outlet.pk)
    assert (round(fresh.lon, 6), fresh.address) == (round(lon, 6), "新址")


def test_the_municipal_center_refusing_the_layout_exception_ends_the_request(world) -> None:  # type: ignore[no-untyped-def]
    p, outlet = world["p"], world["outlet"]
    neighbour = operating_outlet_direct(p.bank, point=far_point(p.district))
    lon, lat = east_of(neighbour, 300)
    cr = services.outlet_change_request_create(
        outlet=outlet, changes={"lon": lon, "lat": lat}, reason="迁址", by=p.bank_admin
    )
    services.outlet_change_request_justify_layout(
        change_request=cr, justification="理由", by=p.district_admin
    )
    with pytest.raises(ValidationError, match="请填写理由"):
        services.outlet_change_request_decide_layout(
            change_request=cr, approve=False, reason="", by=p.muni_admin
        )
    cr = services.outlet_change_request_decide_layout(
        change_request=cr, approve=False, reason="距离过近", by=p.muni_admin
    )
    assert cr.status == ChangeRequestStatus.REJECTED
    assert Outlet.objects.get(pk=outlet.pk).lon == outlet.lon


def test_a_layout_exception_is_refused_when_the_new_site_keeps_the_distance(world) -> None:  # type: ignore[no-untyped-def]
    p, outlet = world["p"], world["outlet"]
    lon, lat = east_of(outlet, 30)
    cr = services.outlet_change_request_create(
        outlet=outlet, changes={"lon": lon, "lat": lat}, reason="同楼迁至隔壁", by=p.bank_admin
    )
    with pytest.raises(TransitionError, match="无需申请布局例外"):
        services.outlet_change_request_justify_layout(
            change_request=cr, justification="理由", by=p.district_admin
        )
    services.outlet_change_request_approve(change_request=cr, by=p.district_admin)


def test_whoever_asks_cannot_approve_their_own_request(world) -> None:  # type: ignore[no-untyped-def]
    p, outlet = world["p"], world["outlet"]
    cr = services.outlet_change_request_create(
        outlet=outlet, changes={"name": "更名后的社保服务网点"}, reason="网点更名", by=p.district_admin
    )
    with pytest.raises(MakerCheckerError, match="变更申请人不能审核自己提出的变更"):
        services.outlet_change_request_approve(change_request=cr, by=p.district_admin)
    services.outlet_change_request_approve(change_request=cr, by=p.district_admin2)
    assert Outlet.objects.get(pk=outlet.pk).name == "更名后的社保服务网点"


def test_a_request_is_refused_when_the_outlet_changed_since(world) -> None:  # type: ignore[no-untyped-def]
    p, outlet = world["p"], world["outlet"]
    cr = services.outlet_change_request_create(
        outlet=outlet, changes={"terminals": 3}, reason="增加终端", by=p.bank_admin
    )
    registry.outlet_facts_set(outlet=outlet, data={"terminals": 2}, by=None)  # e.g. seed data
    with pytest.raises(TransitionError, match="网点信息在申请提出后已发生变化（自助终端数）"):
        services.outlet_change_request_approve(change_request=cr, by=p.district_admin)


def test_one_open_request_per_outlet_and_nothing_to_change_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    p, outlet = world["p"], world["outlet"]
    with pytest.raises(ValidationError, match="没有需要变更的内容"):
        services.outlet_change_request_create(
            outlet=outlet, changes={"windows": outlet.windows}, reason="无", by=p.bank_admin
        )
    cr = services.outlet_change_request_create(
        outlet=outlet, changes={"terminals": 2}, reason="增", by=p.bank_admin
    )
    with pytest.raises(ValidationError, match="已有待审批的变更申请"):
        services.outlet_change_request_create(
            outlet=outlet, changes={"terminals": 3}, reason="再增", by=world["manager"]
        )
    services.outlet_change_request_withdraw(change_request=cr, reason="改主意了", by=p.bank_admin)
    services.outlet_change_request_create(
        outlet=outlet, changes={"terminals": 3}, reason="再增", by=p.bank_admin
    )


def test_an_applying_or_terminated_outlet_takes_no_change_request(world) -> None:  # type: ignore[no-untyped-def]
    p = world["p"]
    applying = operating_outlet_direct(p.bank, point=far_point(p.district))
    Outlet.objects.filter(pk=applying.pk).update(status=OutletStatus.APPLYING)
    applying.refresh_from_db()
    with pytest.raises(TransitionError, match="请在网点设立申请中修改"):
        services.outlet_change_request_create(
            outlet=applying, changes={"windows": 2}, reason="x", by=p.bank_admin
        )
    Outlet.objects.filter(pk=applying.pk).update(status=OutletStatus.TERMINATED)
    applying.refresh_from_db()
    with pytest.raises(TransitionError, match="已终止合作"):
        services.outlet_change_request_create(
            outlet=applying, changes={"windows": 2}, reason="x", by=p.bank_admin
        )


def test_outlet_staff_and_other_banks_cannot_ask_and_the_bank_cannot_decide(world) -> None:  # type: ignore[no-untyped-def]
    p, outlet = world["p"], world["outlet"]
    staff = user_with_role(Role.OUTLET_STAFF, outlet=outlet)
    with pytest.raises(NotAllowed):
        services.outlet_change_request_create(outlet=outlet, changes={"terminals": 2}, reason="x", by=staff)
    stranger = cooperating()
    with pytest.raises(NotAllowed):
        services.outlet_change_request_create(
            outlet=outlet, changes={"terminals": 2}, reason="x", by=stranger.bank_admin
        )
    cr = services.outlet_change_request_create(
        outlet=outlet, changes={"terminals": 2}, reason="x", by=p.bank_admin
    )
    for user in (p.bank_admin, world["manager"], p.muni_admin):
        with pytest.raises(NotAllowed):
            services.outlet_change_request_approve(change_request=cr, by=user)


def test_termination_closes_a_pending_request(world) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    p, outlet = world["p"], world["outlet"]
    cr = services.outlet_change_request_create(
        outlet=outlet, changes={"terminals": 2}, reason="x", by=p.bank_admin
    )
    t = services.termination_propose(
        outlet=outlet, kind="unilateral", ground="violation", reason="违规", notice_date=timezone.localdate(),
        effective_date=timezone.localdate(), by=p.district_admin,
    )  # fmt: skip
    services.termination_approve(termination=t, by=p.district_admin2)
    cr.refresh_from_db()
    assert cr.status == ChangeRequestStatus.WITHDRAWN and "违规" in cr.decision_reason


# --- pages -------------------------------------------------------------------------------------------


def test_the_bank_asks_on_the_change_page_and_the_district_approves_on_its_page(client, world) -> None:  # type: ignore[no-untyped-def]
    p, outlet = world["p"], world["outlet"]
    client.force_login(p.bank_admin)
    url = reverse("cooperation:change_request_create", args=[outlet.pk])
    page = client.get(url).content.decode()
    assert 'id="site-map"' in page and "site-picker-config" in page
    form = {k: getattr(outlet, k) for k in services.CHANGE_FIELDS if k not in ("district", "branch")}
    resp = client.post(url, {**form, "terminals": 2, "reason": "增加一台自助终端"})
    cr = OutletChangeRequest.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse(
        "cooperation:change_request_detail", args=[cr.pk]
    )
    assert [c["field"] for c in cr.changes] == ["terminals"]
    detail = client.get(resp["Location"]).content.decode()
    assert "批准变更" not in detail and "等待区级经办机构审核" in detail
    client.force_login(p.district_admin)
    detail = client.get(resp["Location"]).content.decode()
    assert "批准变更" in detail and "不予批准" in detail
    client.post(reverse("cooperation:change_request_action", args=[cr.pk, "approve"]), {"reason": ""})
    assert Outlet.objects.get(pk=outlet.pk).terminals == 2


def test_the_change_form_shows_every_error_in_one_round_and_writes_nothing(client, world) -> None:  # type: ignore[no-untyped-def]
    outlet = world["outlet"]
    client.force_login(world["manager"])
    form = {k: getattr(outlet, k) for k in services.CHANGE_FIELDS if k not in ("district", "branch")}
    resp = client.post(
        reverse("cooperation:change_request_create", args=[outlet.pk]),
        {**form, "floor_area_m2": "很大", "terminals": 0, "online_counters": 0, "reason": "调整"},
    )
    body = resp.content.decode()
    assert resp.status_code == 200
    assert 'id="id_floor_area_m2-err"' in body  # the form's own error on the field it could not read
    assert "自助服务终端至少1台" in body and "网厅自助服务台至少1个" in body
    assert not OutletChangeRequest.objects.exists()


def test_only_the_side_that_asked_withdraws_a_request(world) -> None:  # type: ignore[no-untyped-def]
    p, outlet = world["p"], world["outlet"]
    cr = services.outlet_change_request_create(
        outlet=outlet, changes={"terminals": 2}, reason="增", by=world["manager"]
    )
    with pytest.raises(TransitionError, match="只有提出变更的一方可以撤回"):
        services.outlet_change_request_withdraw(change_request=cr, reason="区级撤回", by=p.district_admin)
    cr = services.outlet_change_request_withdraw(change_request=cr, reason="银行撤回", by=p.bank_admin)
    assert cr.status == ChangeRequestStatus.WITHDRAWN


def test_the_district_is_not_offered_an_approval_the_layout_refuses(client, world) -> None:  # type: ignore[no-untyped-def]
    p, outlet = world["p"], world["outlet"]
    neighbour = operating_outlet_direct(p.bank, point=far_point(p.district))
    lon, lat = east_of(neighbour, 600)
    cr = services.outlet_change_request_create(
        outlet=outlet, changes={"lon": lon, "lat": lat}, reason="迁址", by=p.bank_admin
    )
    client.force_login(p.district_admin)
    body = client.get(reverse("cooperation:change_request_detail", args=[cr.pk])).content.decode()
    assert "报市级审批布局例外" in body and "批准变更" not in body and "撤回理由" not in body
