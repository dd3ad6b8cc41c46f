"""Public feedback, bank self-inspection (R7.4), consultations (R7.5) and settings pages."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.institutions.tests.factories import municipal
from sheyin.supervision import services
from sheyin.supervision.checklists import SELF_INSPECTION_ITEMS
from sheyin.supervision.models import (
    AnalysisRule,
    ConsultationAction,
    Finding,
    SelfInspection,
    SupervisionSettings,
)
from sheyin.supervision.reference import load

from .factories import outlet, people

pytestmark = pytest.mark.django_db


def test_staff_file_a_complaint_about_an_outlet_as_a_finding(client, reference) -> None:
    o = outlet()
    p = people(o)
    client.force_login(p["officer"])
    resp = client.post(reverse("supervision:complaint_new"),
                       {"outlet": o.pk, "title": "窗口无人", "detail": "来电反映", "severity": "medium"})  # fmt: skip
    f = Finding.objects.get()
    assert resp.status_code == 302 and f.source == "public_feedback" and f.severity == "medium"
    client.force_login(p["staff"])
    assert client.get(reverse("supervision:complaint_new")).status_code == 403


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("hotline.csv", text.encode("utf-8-sig"), content_type="text/csv")


def test_a_hotline_file_with_a_bad_row_imports_nothing_and_shows_the_row(client, reference) -> None:
    o = outlet()
    p = people(o)
    client.force_login(p["officer"])
    body = f"网点编号,工单编号,反映内容\n{o.code},H-1,服务态度差\nNOPE,H-2,排队太久\n"
    resp = client.post(reverse("supervision:hotline_import"), {"file": _csv(body)})
    html = resp.content.decode()
    assert resp.status_code == 200 and "第3行" in html and "NOPE" in html
    assert not Finding.objects.exists()
    resp = client.post(
        reverse("supervision:hotline_import"),
        {"file": _csv(f"网点编号,工单编号,反映内容\n{o.code},H-1,服务态度差\n")},
    )
    assert resp.status_code == 302 and Finding.objects.get().external_ref == "H-1"


def test_a_hotline_excel_file_is_read(client, reference) -> None:
    from openpyxl import Workbook

    o = outlet()
    p = people(o)
    wb = Workbook()
    ws = wb.active
    ws.append(["网点编号", "工单编号", "反映内容"])
    ws.append([o.code, "H-9", "等候时间长"])
    buf = io.BytesIO()
    wb.save(buf)
    client.force_login(p["officer"])
    f = SimpleUploadedFile("h.xlsx", buf.getvalue())
    assert client.post(reverse("supervision:hotline_import"), {"file": f}).status_code == 302
    assert Finding.objects.get().external_ref == "H-9"


def test_a_hotline_file_without_the_headers_is_refused(client, reference) -> None:
    p = people(outlet())
    client.force_login(p["officer"])
    resp = client.post(reverse("supervision:hotline_import"), {"file": _csv("a,b\n1,2\n")})
    assert resp.status_code == 200 and "表头" in resp.content.decode()


def _checklist(fail: int | None = None) -> dict:
    d = {}
    for n in range(len(SELF_INSPECTION_ITEMS)):
        d[f"result_{n}"] = "fail" if n == fail else "pass"
        d[f"note_{n}"] = "账号未及时注销，已整改" if n == fail else ""
    return d


def test_a_bank_files_a_self_inspection_and_the_district_returns_then_accepts_it(client, reference) -> None:
    o = outlet()
    bank_admin = user_with_role(Role.BANK_ADMIN, bank=o.bank)
    officer = people(o)["officer"]
    client.force_login(bank_admin)
    resp = client.post(reverse("supervision:self_inspection_new"),
                       {"period": "2026Q3", "summary": "总体良好", **_checklist(fail=2)})  # fmt: skip
    s = SelfInspection.objects.get()
    assert resp.status_code == 302 and s.bank_id == o.bank_id and s.results[2]["result"] == "fail"
    client.force_login(officer)
    url = reverse("supervision:self_inspection_detail", args=[s.pk])
    client.post(url, {"action": "return", "note": ""})
    assert SelfInspection.objects.get().status == "submitted"  # a return needs a reason
    client.post(url, {"action": "return", "note": "请补充整改时间"})
    assert SelfInspection.objects.get().status == "returned"
    client.force_login(bank_admin)
    client.post(url, {"action": "resubmit", "summary": "已补充整改时间", **_checklist()})
    assert SelfInspection.objects.get().status == "submitted"
    client.force_login(officer)
    client.post(url, {"action": "accept", "note": ""})
    assert SelfInspection.objects.get().status == "accepted"


def test_a_bank_cannot_review_its_own_report_nor_see_another_banks(client, reference) -> None:
    o, other = outlet(), outlet()
    mine = user_with_role(Role.BANK_ADMIN, bank=o.bank)
    theirs = user_with_role(Role.BANK_ADMIN, bank=other.bank)
    s = services.self_inspection_submit(period="2026Q3", results=[], summary="好", by=mine)
    with pytest.raises(PermissionDenied):
        services.self_inspection_review(report=s, accept=True, by=mine)
    client.force_login(theirs)
    assert client.get(reverse("supervision:self_inspection_detail", args=[s.pk])).status_code == 404


def test_a_consultation_records_actions_tracked_to_done(client, reference) -> None:
    o = outlet()
    officer = people(o)["officer"]
    client.force_login(officer)
    resp = client.post(reverse("supervision:consultation_new"), {
        "title": "季度会商", "held_at": "2026-10-09T10:00", "bank": o.bank_id, "attendees": "区社保 张三\n银行 李四",
        "minutes": "通报问题", "decisions": "加强培训",
        "a0-description": "组织培训", "a0-owner": "银行", "a0-due_date": "2026-10-30",
    })  # fmt: skip
    assert resp.status_code == 302
    a = ConsultationAction.objects.get()
    assert a.consultation.agency_id == o.district_id and a.consultation.bank_id == o.bank_id
    client.post(
        resp["Location"], {"new-description": "复查", "new-owner": "区社保", "new-due_date": "2026-11-15"}
    )
    assert ConsultationAction.objects.count() == 2
    client.post(reverse("supervision:consultation_action_done", args=[a.pk]), {"note": "已培训20人"})
    a.refresh_from_db()
    assert a.done_at is not None and a.done_note == "已培训20人"
    with pytest.raises(ValidationError):
        services.consultation_action_done(action=a, note="again", by=officer)
    bank_admin = user_with_role(Role.BANK_ADMIN, bank=o.bank)
    client.force_login(bank_admin)
    assert client.get(resp["Location"]).status_code == 200
    assert client.post(reverse("supervision:consultation_new"), {}).status_code == 403


def test_the_municipal_admin_edits_settings_and_the_weights_must_sum_to_100(client, reference) -> None:
    admin = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    client.force_login(admin)
    s = SupervisionSettings.current()
    data = {f: getattr(s, f) for f in services.SETTINGS_FIELDS} | {"rectification_working_days": 7}
    assert client.post(reverse("supervision:settings"), data).status_code == 302
    assert SupervisionSettings.current().rectification_working_days == 7
    assert AuditEvent.objects.filter(action="supervision_settings.update").exists()
    resp = client.post(reverse("supervision:settings"), data | {"weight_ratings": 50})
    assert resp.status_code == 200 and "100" in resp.content.decode()
    assert SupervisionSettings.current().weight_ratings == 30
    officer = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())
    with pytest.raises(PermissionDenied):
        services.supervision_settings_update(rectification_working_days=5, by=officer)


def test_the_municipal_admin_disables_a_rule_and_changes_its_parameters(client, reference) -> None:
    load()
    admin = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    client.force_login(admin)
    rule = AnalysisRule.objects.get(code="rates")
    client.post(reverse("supervision:rule_edit", args=[rule.pk]),
                {"p_min_volume": "50", "p_max_reject_rate": "0.3", "p_max_cancel_rate": "0.2", "p_window_days": "30"})  # fmt: skip
    rule.refresh_from_db()
    assert rule.enabled is False and rule.params["min_volume"] == 50 and rule.params["max_reject_rate"] == 0.3
    html = client.get(reverse("supervision:rule_list")).content.decode()
    assert "数据分析规则" in html and "疑似窥探个人信息" in html
    assert (
        "比对前后天数" in html and "达到此次数为严重" in html and ">min_count<" not in html
    )  # words, not keys
    district_admin = user_with_role(Role.DISTRICT_ADMIN, agency=outlet().district)
    client.force_login(district_admin)
    assert client.post(reverse("supervision:rule_edit", args=[rule.pk]), {"enabled": "on"}).status_code == 403
