"""Refusals, each with its Chinese message: the rule (cited) holds and nothing changes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.cooperation import services
from sheyin.cooperation.models import Filing, OutletApplication, Plaque, Termination
from sheyin.cooperation.workflow import (
    ExceptionStatus,
    FilingStatus,
    MakerCheckerError,
    OutletApplicationStatus,
    TransitionError,
)
from sheyin.institutions.models import Outlet, OutletStatus

from .factories import (
    People,
    accepted,
    application_data,
    cooperating,
    files,
    inspected,
    municipal,
    operating,
    signed,
    submitted,
)

pytestmark = pytest.mark.django_db


def test_it_refuses_an_outlet_application_without_a_municipal_agreement(reference, client) -> None:  # type: ignore[no-untyped-def]
    p = People()  # a prospect bank: no municipal agreement (R4.2)
    with pytest.raises(
        TransitionError,
        match=re.escape("该银行尚未与市级社保经办机构签订有效的合作协议，不能申请设立合作网点"),
    ):
        services.outlet_application_create(
            bank=p.bank, data=application_data(), files=files(), by=p.bank_admin
        )
    assert not Outlet.objects.exists() and not OutletApplication.objects.exists()
    client.force_login(p.bank_admin)
    resp = client.get(reverse("cooperation:application_create"), follow=True)
    assert "不能申请设立合作网点" in resp.content.decode()


def test_it_refuses_to_submit_once_the_municipal_agreement_has_ended(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    app = services.outlet_application_create(
        bank=p.bank, data=application_data(), files=files(), by=p.bank_admin
    )
    p.bank.agreements.update(status="terminated")
    with pytest.raises(TransitionError, match="尚未与市级社保经办机构签订有效的合作协议"):
        services.outlet_application_submit(application=app, by=p.bank_admin)
    app.refresh_from_db()
    assert app.status == OutletApplicationStatus.DRAFT


def test_it_refuses_an_incomplete_application(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    app = services.outlet_application_create(
        bank=p.bank,
        data=application_data(card_machines=1, windows=2),
        files={"photo": files()["photo"]},
        by=p.bank_admin,
    )
    with pytest.raises(TransitionError, match="申请材料不完整：每个人工窗口配备社保卡制卡机；平面布置图"):
        services.outlet_application_submit(application=app, by=p.bank_admin)


def test_it_refuses_acceptance_with_a_failed_must_item(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    app = inspected(p, fail=("M5",))  # the counter mode's card machine: a `must` item (R3.1, R3.2)
    with pytest.raises(TransitionError, match="现场检查有必备项不符合（M5），不能验收"):
        services.outlet_application_accept(application=app, by=p.district_admin)
    app.refresh_from_db()
    assert app.status == OutletApplicationStatus.INSPECTED and app.outlet.status == OutletStatus.APPLYING
    # rectify and re-inspect: a second round that passes may then be accepted
    services.outlet_application_rectify(application=app, reason="制卡机到位后复查", by=p.district_admin)
    again = services.inspection_start(application=app, by=p.inspector)
    assert again.round == 2
    services.inspection_save(
        inspection=again, by=p.inspector, answers={r.item_id: {"result": "pass"} for r in again.results.all()}
    )
    services.inspection_complete(inspection=again, by=p.inspector)
    assert services.outlet_application_accept(application=app, by=p.district_admin).status == "accepted"


def test_a_failed_should_item_does_not_block_acceptance(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    app = inspected(p, fail=("S3", "Z1"))
    assert services.outlet_application_accept(application=app, by=p.district_admin).status == "accepted"


def test_it_refuses_to_complete_an_inspection_with_items_unanswered_or_a_must_item_not_applicable(
    reference,
) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    app = services.outlet_application_admit(application=submitted(p), by=p.district_officer)
    insp = services.inspection_start(application=app, by=p.inspector)
    with pytest.raises(TransitionError, match="还有19个检查项未填写结果"):
        services.inspection_complete(inspection=insp, by=p.inspector)
    answers = {
        r.item_id: {"result": "na" if r.item.code == "M1" else "pass"}
        for r in insp.results.select_related("item")
    }
    services.inspection_save(inspection=insp, answers=answers, by=p.inspector)
    with pytest.raises(TransitionError, match="必备项不能选“不适用”：M1"):
        services.inspection_complete(inspection=insp, by=p.inspector)


def test_it_refuses_acceptance_inside_the_minimum_distance_without_an_approved_justification(
    reference,
) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    first = operating(p, name="第一网点")
    # a second outlet 300 m away, under 朝阳区's 1,500 m minimum (R8.4)
    app = inspected(p, name="第二网点", lon=first.lon + 0.0035, lat=first.lat)
    assert app.layout_result["violations"][0]["name"] == "第一网点"
    with pytest.raises(
        TransitionError,
        match=r"网点位置不符合最小间距要求.*须由区级经办机构说明理由并经市级经办机构批准后方可验收",
    ):
        services.outlet_application_accept(application=app, by=p.district_admin)
    exc = services.layout_exception_request(
        application=app, justification="商圈客流大，需增设网点", by=p.district_officer
    )
    with pytest.raises(TransitionError, match="不符合最小间距要求"):  # pending is not approved
        services.outlet_application_accept(application=app, by=p.district_admin)
    with pytest.raises(NotAllowed):  # the district cannot approve its own exception
        services.layout_exception_decide(exception=exc, approve=True, reason="", by=p.district_admin)
    exc = services.layout_exception_decide(exception=exc, approve=True, reason="同意", by=p.muni_officer)
    assert exc.status == ExceptionStatus.APPROVED
    assert services.outlet_application_accept(application=app, by=p.district_admin).status == "accepted"


def test_an_approved_exception_does_not_cover_a_new_neighbour(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    first = operating(p, name="甲网点")
    app = inspected(p, name="乙网点", lon=first.lon + 0.0035, lat=first.lat)
    exc = services.layout_exception_request(application=app, justification="理由", by=p.district_officer)
    services.layout_exception_decide(exception=exc, approve=True, reason="同意", by=p.muni_officer)
    Outlet.objects.filter(pk=first.pk).update(status=OutletStatus.TERMINATED)
    from .factories import OutletFactory

    OutletFactory(
        name="丙网点", bank=p.bank, district=p.district, lon=first.lon + 0.0035, lat=first.lat + 0.003
    )
    with pytest.raises(TransitionError, match="丙网点"):
        services.outlet_application_accept(application=app, by=p.district_admin)


def test_it_refuses_a_filing_checked_by_its_own_maker(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    ag = signed(p)
    # the municipal officer records the filing of a paper agreement (maker) ...
    filing = services.filing_submit(agreement=ag, note="纸质协议已报送", by=p.muni_officer)
    # ... and may not check it (maker–checker, R4.4)
    with pytest.raises(
        MakerCheckerError, match="备案报送人不能审核自己报送的备案（经办与复核须由不同人员办理）"
    ):
        services.filing_check(filing=filing, approve=True, by=p.muni_officer)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED and filing.checked_by is None
    assert (
        services.filing_check(filing=filing, approve=True, by=p.muni_officer2).status == FilingStatus.APPROVED
    )


def test_a_rejected_filing_is_kept_and_filed_again(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    ag = signed(p)
    first = services.filing_submit(agreement=ag, by=p.district_officer)
    with pytest.raises(ValidationError, match="请填写理由"):
        services.filing_check(filing=first, approve=False, reason="", by=p.muni_officer)
    services.filing_check(filing=first, approve=False, reason="缺少盖章页", by=p.muni_officer)
    second = services.filing_submit(agreement=ag, by=p.district_officer)
    assert list(Filing.objects.filter(agreement=ag).order_by("pk").values_list("status", flat=True)) == [
        FilingStatus.REJECTED,
        FilingStatus.SUBMITTED,
    ]
    assert second.pk != first.pk


def test_it_refuses_a_plaque_before_filing(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    ag = signed(p)
    with pytest.raises(TransitionError, match=re.escape("区级协议尚未完成市级备案，不能颁发标牌")):
        services.plaque_issue(outlet=ag.outlet, by=p.district_officer)
    services.filing_submit(agreement=ag, by=p.district_officer)  # submitted is not yet filed
    with pytest.raises(TransitionError, match="区级协议尚未完成市级备案"):
        services.plaque_issue(outlet=ag.outlet, by=p.district_officer)
    assert not Plaque.objects.exists()
    ag.outlet.refresh_from_db()
    assert ag.outlet.status == OutletStatus.ACCEPTED


def test_a_plaque_for_an_outlet_still_applying_is_refused_by_its_status(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    app = submitted(p)
    with pytest.raises(TransitionError, match="当前状态为“申请中”，不能执行“颁发标牌、开始运营”"):
        services.plaque_issue(outlet=app.outlet, by=p.district_officer)


def test_a_terminated_outlets_staff_are_refused_at_their_next_request(reference, client) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=outlet, username="t_manager")
    staff = user_with_role(Role.OUTLET_STAFF, outlet=outlet, username="t_staff")
    other_client = client_class()
    client.force_login(staff)
    other_client.force_login(manager)
    assert client.get(reverse("dashboards:home")).status_code == 200
    assert other_client.get(reverse("cooperation:outlet_lifecycle", args=[outlet.pk])).status_code == 200
    t = services.termination_propose(
        outlet=outlet,
        kind=Termination.Kind.UNILATERAL,
        ground=Termination.Ground.VIOLATION,
        reason="违规",
        notice_date=timezone.localdate(),
        effective_date=timezone.localdate(),
        by=p.district_officer,
    )
    services.termination_approve(termination=t, by=p.district_admin)  # due today: takes effect at once
    for c, path in (
        (client, reverse("dashboards:home")),
        (other_client, reverse("cooperation:outlet_lifecycle", args=[outlet.pk])),
    ):
        resp = c.get(path, follow=True)
        assert resp.redirect_chain[0][1] == 302 and resp.redirect_chain[0][0].startswith(
            reverse("accounts:login")
        )
        assert "您的会话已被终止（权限变更或被撤销），请重新登录。" in resp.content.decode()
    post = other_client.post(reverse("cooperation:outlet_suspend", args=[outlet.pk]), {"reason": "x"})
    assert post.status_code == 302 and post.url.startswith(reverse("accounts:login"))


def client_class():  # type: ignore[no-untyped-def]
    from django.test import Client

    return Client()


def test_the_reviewer_cannot_approve_the_same_bank_application(reference) -> None:  # type: ignore[no-untyped-def]
    p = People()
    both = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal(), username="t_both")
    from sheyin.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=both, role=Role.MUNICIPAL_ADMIN, agency=municipal())
    app = services.bank_application_create(
        bank=p.bank,
        by=p.bank_admin,
        data={
            "applicant": "branch",
            "contact_name": "甲",
            "contact_phone": "1",
            "planned_outlets": 1,
            "proposal": "方案",
        },
    )
    services.bank_application_submit(application=app, by=p.bank_admin)
    services.bank_application_review(application=app, opinion="同意", by=both)
    both = type(both).objects.get(pk=both.pk)  # fresh role cache
    with pytest.raises(MakerCheckerError, match="审核人不能审批同一申请（审核与审批须由不同人员办理）"):
        services.bank_application_approve(application=app, by=both)
    with pytest.raises(NotAllowed, match="您没有执行此操作的权限"):  # an officer may review, not approve
        services.bank_application_approve(application=app, by=p.muni_officer)
    assert services.bank_application_approve(application=app, by=p.muni_admin).status == "approved"


def test_the_proposer_of_a_unilateral_termination_cannot_approve_it(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    t = services.termination_propose(
        outlet=outlet,
        kind=Termination.Kind.UNILATERAL,
        ground="failed_appraisal",
        reason="连续两年考核不合格",
        notice_date=timezone.localdate(),
        effective_date=timezone.localdate() + dt.timedelta(days=30),
        by=p.district_admin,
    )
    with pytest.raises(MakerCheckerError, match="提出单方解除的人员不能批准该解除"):
        services.termination_approve(termination=t, by=p.district_admin)
    assert services.termination_approve(termination=t, by=p.district_admin2).status == "scheduled"


def test_a_unilateral_termination_needs_a_ground_and_a_notice_and_is_not_for_banks(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    with pytest.raises(ValidationError) as err:
        services.termination_propose(
            outlet=outlet,
            kind=Termination.Kind.UNILATERAL,
            reason="违规",
            effective_date=timezone.localdate(),
            by=p.district_officer,
        )
    assert "单方解除须选择事由" in str(err.value) and "单方解除须填写书面通知日期" in str(err.value)
    with pytest.raises(ValidationError, match=re.escape("银行不能单方解除，请提出协商解除")):
        services.termination_propose(
            outlet=outlet,
            kind=Termination.Kind.UNILATERAL,
            ground="violation",
            reason="x",
            notice_date=timezone.localdate(),
            effective_date=timezone.localdate(),
            by=p.bank_admin,
        )
    assert not Termination.objects.exists()


def test_an_application_is_refused_when_its_point_lies_outside_the_declared_district(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    with pytest.raises(ValidationError, match="坐标位于海淀区"):
        services.outlet_application_create(
            bank=p.bank, data=application_data(lon=116.31, lat=39.99), files=files(), by=p.bank_admin
        )
    assert not OutletApplication.objects.exists()


def test_an_upload_is_checked_by_content_not_by_name(reference) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    p = cooperating()
    fake = SimpleUploadedFile("photo.png", b"MZ this is not an image", content_type="image/png")
    with pytest.raises(ValidationError, match=re.escape("文件“photo.png”类型不支持，仅接受PNG、JPEG")):
        services.outlet_application_create(
            bank=p.bank, data=application_data(), files={"photo": [fake]}, by=p.bank_admin
        )
    assert not Outlet.objects.exists()


def test_it_refuses_a_step_from_the_wrong_status_with_a_clear_message(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    app = accepted(p)
    with pytest.raises(TransitionError, match="当前状态为“已验收”，不能执行“受理”"):
        services.outlet_application_admit(application=app, by=p.district_officer)


# --- the layout lock (R8.4): every step that makes an outlet count for the layout takes it first ---


def test_acceptance_and_an_approved_move_take_the_layout_lock_before_reading_the_layout(
    reference, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """On PostgreSQL the lock is an advisory lock (test_concurrency races it); here the order is checked:
    the lock, then the layout read, for both paths that make an outlet count."""
    from sheyin.cooperation import layout as layout_module
    from sheyin.cooperation.services import acceptance, changes
    from sheyin.cooperation.services.base import LAYOUT_LOCK

    from .factories import far_point, operating_outlet_direct

    calls: list[str] = []
    real_check = layout_module.check
    monkeypatch.setattr(acceptance, "serialise", lambda name: calls.append(f"lock:{name}"))
    monkeypatch.setattr(changes, "serialise", lambda name: calls.append(f"lock:{name}"))

    def check(**kw):  # type: ignore[no-untyped-def]
        calls.append("read")
        return real_check(**kw)

    monkeypatch.setattr(layout_module, "check", check)
    p = cooperating()
    app = inspected(p)
    calls.clear()
    services.outlet_application_accept(application=app, by=p.district_admin)
    assert calls[:2] == [f"lock:{LAYOUT_LOCK}", "read"]
    outlet = operating_outlet_direct(p.bank, point=far_point(p.district))
    lon, lat = far_point(p.district)
    cr = services.outlet_change_request_create(
        outlet=outlet, changes={"lon": lon, "lat": lat}, reason="迁址", by=p.bank_admin
    )
    calls.clear()
    services.outlet_change_request_approve(change_request=cr, by=p.district_admin)
    assert calls[:2] == [f"lock:{LAYOUT_LOCK}", "read"]
