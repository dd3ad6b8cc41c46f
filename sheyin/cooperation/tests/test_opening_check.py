"""The opening check (R3.2, R9.1, R7.3): what the pre-opening inspection cannot ask — the plaque at the
entrance, an authorised person at each window, the dedicated window — is checked by the district within N
working days after the plaque; a failed check orders a rectification."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.cooperation import reference as coop_reference
from sheyin.cooperation import selectors, services
from sheyin.cooperation.models import (
    ChecklistItem,
    ChecklistTemplate,
    CooperationSettings,
    OpeningCheck,
    SiteInspection,
)
from sheyin.cooperation.workflow import ChecklistStatus, TransitionError
from sheyin.institutions.tests.factories import district
from sheyin.institutions.workdays import add_working_days
from sheyin.notifications.models import Notification
from sheyin.staffing.tests.factories import StaffFactory, active_grant
from sheyin.supervision.models import Rectification

from .factories import cooperating, operating, operating_outlet_direct, signed

pytestmark = pytest.mark.django_db


def answers(**results: str) -> dict[str, dict[str, str]]:
    out = {code: {"result": "pass", "note": ""} for code, _t in services.OPENING_ITEMS}
    for code, result in results.items():
        out[code]["result"] = result
    return out


def staff_every_window(outlet) -> None:  # type: ignore[no-untyped-def]
    for _ in range(max(outlet.windows, 1)):
        active_grant(StaffFactory(outlet=outlet))


def test_the_pre_opening_checklist_asks_only_what_can_be_true_before_opening_r3_2(reference) -> None:  # type: ignore[no-untyped-def]
    codes = set(selectors.published_checklist().items.values_list("code", flat=True))
    assert codes and not codes & {"S1", "P1"}


def test_a_published_checklist_asking_s1_and_p1_gets_a_new_version_and_old_inspections_stay_readable_r3_2(
    reference,
) -> None:  # type: ignore[no-untyped-def]
    # an installation whose version 1 still asks the plaque and the authorised staff before opening
    ChecklistTemplate.objects.all().update(status=ChecklistStatus.RETIRED)
    old = ChecklistTemplate.objects.create(version=7, title="附件1", status=ChecklistStatus.PUBLISHED)
    for i, code in enumerate(("S1", "M1", "P1", "N1")):
        ChecklistItem.objects.create(
            template=old, code=code, group="modes", mode="", level="must", text=code, order=i
        )
    new = coop_reference.retire_after_opening_items(
        ChecklistTemplate, ChecklistItem, ChecklistStatus, timezone.now()
    )
    old.refresh_from_db()
    assert new.version == 8 and new.status == ChecklistStatus.PUBLISHED
    assert list(new.items.values_list("code", flat=True)) == ["M1", "N1"]
    assert old.status == ChecklistStatus.RETIRED
    assert list(old.items.order_by("order").values_list("code", flat=True)) == ["S1", "M1", "P1", "N1"]
    # run again: nothing more to do
    assert (
        coop_reference.retire_after_opening_items(
            ChecklistTemplate, ChecklistItem, ChecklistStatus, timezone.now()
        )
        is None
    )


def test_a_re_inspection_starts_from_the_previous_answers(reference) -> None:  # type: ignore[no-untyped-def]
    from .factories import inspected

    p = cooperating()
    app = inspected(p, fail=("M5",))
    services.outlet_application_rectify(application=app, reason="制卡机未到位", by=p.district_admin)
    second = services.inspection_start(application=app, by=p.inspector)
    first = SiteInspection.objects.get(application=app, round=1)
    before = {r.item.code: (r.result, r.note) for r in first.results.select_related("item")}
    now = {r.item.code: (r.result, r.note) for r in second.results.select_related("item")}
    assert second.round == 2 and now == before and now["M5"][0] == "fail"


def test_the_plaque_opens_an_opening_check_due_in_configured_working_days_r3_2(reference) -> None:  # type: ignore[no-untyped-def]
    CooperationSettings.objects.update(opening_check_workdays=5)
    p = cooperating()
    outlet = operating(p)
    check = OpeningCheck.objects.get(outlet=outlet)
    assert check.status == OpeningCheck.Status.PENDING
    assert check.due_date == add_working_days(timezone.localdate(), 5)
    assert AuditEvent.objects.filter(
        action="cooperation.opening_check.open", object_id=str(check.pk)
    ).exists()


def test_the_district_records_a_passed_opening_check_r3_2_r9_1_r7_3(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    staff_every_window(outlet)
    check = services.opening_check_record(outlet=outlet, answers=answers(), by=p.district_officer)
    assert check.status == OpeningCheck.Status.PASSED and check.rectification is None
    assert set(check.answers) == {"S1", "P1", "W1"}
    assert check.authorised_staff == max(outlet.windows, 1) and check.recorded_by == p.district_officer
    assert AuditEvent.objects.filter(
        action="cooperation.opening_check.record", object_id=str(check.pk)
    ).exists()
    assert outlet.lifecycle_events.filter(action="opening_check.record").exists()
    with pytest.raises(TransitionError, match="已通过开业核查"):
        services.opening_check_record(outlet=outlet, answers=answers(), by=p.district_officer)


def test_authorised_staff_cannot_be_passed_when_the_grants_on_record_are_fewer_than_the_windows_r9_1(
    reference,
) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    with pytest.raises(ValidationError, match="少于人工窗口数") as exc:
        services.opening_check_record(outlet=outlet, answers=answers(), by=p.district_officer)
    assert "result_P1" in exc.value.message_dict
    assert OpeningCheck.objects.get(outlet=outlet).status == OpeningCheck.Status.PENDING  # nothing written


def test_every_item_needs_an_answer_and_a_failure_needs_the_requirement(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    bad = answers()
    bad["W1"]["result"] = ""
    with pytest.raises(ValidationError) as exc:
        services.opening_check_record(outlet=outlet, answers=bad, by=p.district_officer)
    assert "result_W1" in exc.value.message_dict
    with pytest.raises(ValidationError, match="请填写整改要求"):
        services.opening_check_record(
            outlet=outlet, answers=answers(W1="fail", P1="fail"), by=p.district_officer
        )
    assert not Rectification.objects.exists()


def test_a_failed_opening_check_orders_a_rectification_and_the_district_checks_again_r7_3(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=outlet)
    check = services.opening_check_record(
        outlet=outlet,
        answers=answers(W1="fail", P1="fail"),
        note="设置社保专用窗口，授权人员到岗",
        by=p.district_officer,
    )
    assert check.status == OpeningCheck.Status.FAILED
    r = check.rectification
    assert r is not None and r.outlet_id == outlet.pk and r.due_date > timezone.localdate()
    assert "开业核查不通过" in r.finding.title
    assert Notification.objects.filter(user=manager, title__contains="整改通知").exists()
    # after the rectification the district checks again; the new check passes
    staff_every_window(outlet)
    again = services.opening_check_record(outlet=outlet, answers=answers(), by=p.district_officer)
    assert again.pk != check.pk and again.status == OpeningCheck.Status.PASSED
    assert again.due_date == check.due_date


def test_only_the_outlets_district_records_the_opening_check(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    for who in (
        p.inspector,
        p.bank_admin,
        p.muni_officer,
        user_with_role(Role.OUTLET_MANAGER, outlet=outlet),
    ):
        with pytest.raises(NotAllowed):
            services.opening_check_record(outlet=outlet, answers=answers(W1="fail"), note="x", by=who)
    elsewhere = user_with_role(Role.DISTRICT_OFFICER, agency=district("110108"))
    with pytest.raises(NotAllowed):
        services.opening_check_record(outlet=outlet, answers=answers(W1="fail"), note="x", by=elsewhere)
    assert OpeningCheck.objects.get(outlet=outlet).status == OpeningCheck.Status.PENDING


def test_the_daily_job_opens_missing_checks_and_reminds_the_district_once(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    older = operating_outlet_direct(bank=p.bank)  # opened before the opening check existed
    assert not OpeningCheck.objects.filter(outlet=older).exists()
    report = services.opening_checks_sweep()
    check = OpeningCheck.objects.get(outlet=older)
    assert report["opened"] == 1 and check.due_date < timezone.localdate()  # issued 100 days ago: overdue
    assert Notification.objects.filter(user=p.district_officer, title__contains="开业核查已超期").count() == 1
    assert services.opening_checks_sweep() == {"opened": 0, "reminded": 0}
    assert Notification.objects.filter(user=p.district_officer, title__contains="开业核查").count() == 1


def test_the_district_sees_the_due_check_as_a_to_do(reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.dashboards.todos import todos_for

    p = cooperating()
    outlet = operating_outlet_direct(bank=p.bank)
    services.opening_checks_sweep()
    item = next(t for t in todos_for(p.district_officer) if t.key == "opening_checks_due")
    assert item.count == 1 and item.urgent
    assert all(t.key != "opening_checks_due" for t in todos_for(p.bank_admin))
    staff_every_window(outlet)
    services.opening_check_record(outlet=outlet, answers=answers(), by=p.district_officer)
    assert next(t for t in todos_for(p.district_officer) if t.key == "opening_checks_due").count == 0


def test_the_opening_check_page_shows_the_due_date_and_records_the_check(reference, client) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    staff_every_window(outlet)
    url = reverse("cooperation:opening_check", args=[outlet.pk])
    client.force_login(p.district_officer)
    page = client.get(url).content.decode()
    due = OpeningCheck.objects.get(outlet=outlet).due_date
    assert f"核查期限：{due:%Y-%m-%d}" in page and "提交核查结果" in page
    lifecycle = client.get(reverse("cooperation:outlet_lifecycle", args=[outlet.pk])).content.decode()
    assert "记录开业核查" in lifecycle
    form = {f"result_{code}": "pass" for code, _t in services.OPENING_ITEMS}
    resp = client.post(url, form, follow=True)
    assert "开业核查已记录" in resp.content.decode()
    assert OpeningCheck.objects.get(outlet=outlet).status == OpeningCheck.Status.PASSED
    # the bank reads the page but is offered no form, and a post is refused
    client.force_login(p.bank_admin)
    page = client.get(url).content.decode()
    assert "核查通过" in page and "提交核查结果" not in page
    assert client.post(url, form).status_code == 403


def test_the_plaque_button_shows_only_when_the_agreement_is_filed_and_names_who_acts_next_r4_4(
    reference, client
) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    ag = signed(p)
    outlet = ag.outlet
    client.force_login(p.district_officer)
    page = client.get(reverse("cooperation:outlet_lifecycle", args=[outlet.pk])).content.decode()
    assert reverse("cooperation:plaque_issue", args=[outlet.pk]) not in page
    assert "待区级经办机构报送协议备案" in page
    plaques = client.get(reverse("cooperation:plaque_list")).content.decode()
    assert reverse("cooperation:plaque_issue", args=[outlet.pk]) not in plaques
    filing = services.filing_submit(agreement=ag, by=p.district_officer)
    page = client.get(reverse("cooperation:outlet_lifecycle", args=[outlet.pk])).content.decode()
    assert "待市级经办机构审核协议备案" in page
    services.filing_check(filing=filing, approve=True, by=p.muni_officer)
    page = client.get(reverse("cooperation:outlet_lifecycle", args=[outlet.pk])).content.decode()
    assert reverse("cooperation:plaque_issue", args=[outlet.pk]) in page


def test_an_opening_check_is_not_recorded_for_a_suspended_outlet(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    services.outlet_suspend(
        outlet=outlet,
        reason="装修",
        starts_on=timezone.localdate() - dt.timedelta(days=0),
        by=p.district_admin,
    )
    with pytest.raises(TransitionError, match="不能进行开业核查"):
        services.opening_check_record(
            outlet=outlet, answers=answers(P1="fail"), note="x", by=p.district_officer
        )


def test_the_agreement_templates_renewal_clause_says_what_the_renewal_rule_says_r6_1(reference) -> None:  # type: ignore[no-untyped-def]
    """R6.1 as the agreement page states it: an objection at least N days before expiry ends the agreement;
    the template's clause said "within N days before", the opposite."""
    for body in (coop_reference.MUNICIPAL_BODY, coop_reference.DISTRICT_BODY):
        assert "期满前至少${objection_days}日双方均未提出书面异议的" in body
        assert "日内双方均未提出" not in body
