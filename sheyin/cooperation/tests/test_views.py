"""The pages of every step, driven like a person would (forms, uploads, buttons), and the documents."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sheyin.cooperation import selectors
from sheyin.cooperation.models import (
    Agreement,
    ChecklistTemplate,
    DocumentTemplate,
    Filing,
    OutletApplication,
    Plaque,
    SiteInspection,
    Termination,
)
from sheyin.cooperation.workflow import ChecklistStatus, OutletApplicationStatus, TerminationStatus

from .factories import application_data, cooperating, operating, pdf_file, png

pytestmark = pytest.mark.django_db


def _as(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def _text(resp) -> str:  # type: ignore[no-untyped-def]
    return resp.content.decode()


def test_the_steps_work_through_the_pages(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    bank, officer, inspector, admin, muni = (
        _as(p.bank_admin),
        _as(p.district_officer),
        _as(p.inspector),
        _as(p.district_admin),
        _as(p.muni_officer),
    )
    # the bank fills the application form with its floor plan and photos
    data: dict[str, Any] = {k: v.pk if hasattr(v, "pk") else v for k, v in application_data().items()}
    data.update(floor_plan=pdf_file(), photos=[png("a.png"), png("b.png")])
    resp = bank.post(reverse("cooperation:application_create"), data)
    assert resp.status_code == 302, _text(resp)
    app = OutletApplication.objects.get()
    assert app.files.count() == 3
    page = _text(bank.get(reverse("cooperation:application_detail", args=[app.pk])))
    assert "材料完整性核对" in page and "提交申请" in page
    bank.post(reverse("cooperation:application_action", args=[app.pk, "submit"]))
    # the district sees the completeness check, then admits
    page = _text(officer.get(reverse("cooperation:application_detail", args=[app.pk])))
    assert "平面布置图" in page and "受理" in page
    assert officer.get(reverse("cooperation:application_layout", args=[app.pk])).status_code == 200
    officer.post(reverse("cooperation:application_action", args=[app.pk, "admit"]))
    # the inspector fills the checklist form item by item, with a photo, then completes it
    assert app.outlet.name in _text(inspector.get(reverse("cooperation:inspection_list")))
    resp = inspector.post(reverse("cooperation:inspection_start", args=[app.pk]))
    insp = SiteInspection.objects.get()
    assert resp.url == reverse("cooperation:inspection_form", args=[insp.pk])
    form: dict[str, Any] = {"visit_date": timezone.localdate().isoformat(), "summary": "合格"}
    first = insp.results.first()
    for r in insp.results.all():
        form[f"result_{r.item_id}"] = "pass"
        form[f"note_{r.item_id}"] = "核验"
    form[f"photo_{first.item_id}"] = png("item.png")
    form["complete"] = "1"
    resp = inspector.post(reverse("cooperation:inspection_form", args=[insp.pk]), form, follow=True)
    assert "检查已完成" in _text(resp)
    insp.refresh_from_db()
    assert insp.passed is True and first.photos.count() == 1
    photo = first.photos.get()
    assert (
        inspector.get(reverse("cooperation:inspection_photo", args=[photo.pk]))["Content-Type"] == "image/png"
    )
    # the district admin sees the acceptance conditions and accepts
    page = _text(admin.get(reverse("cooperation:application_detail", args=[app.pk])))
    assert "验收条件" in page
    admin.post(reverse("cooperation:application_action", args=[app.pk, "accept"]), {"reason": "合格"})
    app.refresh_from_db()
    assert app.status == OutletApplicationStatus.ACCEPTED
    ag = Agreement.objects.get(outlet=app.outlet)
    # signing, filing (maker), check (checker), plaque
    day = timezone.localdate().isoformat()
    officer.post(
        reverse("cooperation:agreement_sign", args=[ag.pk]), {"agency_signed_on": day, "bank_signed_on": day}
    )
    officer.post(reverse("cooperation:filing_submit", args=[ag.pk]), {"note": "报备"})
    filing = Filing.objects.get()
    resp = muni.post(
        reverse("cooperation:filing_check", args=[filing.pk]),
        {"decision": "approve", "reason": ""},
        follow=True,
    )
    assert "备案已通过" in _text(resp)
    resp = officer.post(reverse("cooperation:plaque_issue", args=[app.outlet_id]), follow=True)
    assert "标牌已颁发" in _text(resp)
    plaque = Plaque.objects.get()
    # the timeline page shows the whole history
    page = _text(admin.get(reverse("cooperation:outlet_lifecycle", args=[app.outlet_id])))
    for words in (
        "创建网点设立申请",
        "完成现场检查",
        "验收通过",
        "协议签署生效",
        "市级备案通过",
        "颁发标牌，网点开始运营",
    ):
        assert words in page
    # the documents are PDFs with the CJK font embedded
    for url in (
        reverse("cooperation:agreement_pdf", args=[ag.pk]),
        reverse("cooperation:plaque_certificate", args=[plaque.pk]),
    ):
        resp = admin.get(url)
        assert resp["Content-Type"] == "application/pdf" and resp.content.startswith(b"%PDF")
        assert b"WenQuanYi" in resp.content and b"/FontFile2" in resp.content
    # termination through its form, confirmed by the bank on its page
    resp = admin.post(
        reverse("cooperation:termination_create", args=[app.outlet_id]),
        {"kind": "negotiated", "reason": "协商终止", "effective_date": day},
    )
    t = Termination.objects.get()
    assert resp.url == reverse("cooperation:termination_detail", args=[t.pk])
    resp = bank.post(reverse("cooperation:termination_action", args=[t.pk, "confirm"]), follow=True)
    t.refresh_from_db()
    assert t.status in (TerminationStatus.EFFECTIVE, TerminationStatus.CLOSED)
    assert "生效时已完成" in _text(admin.get(reverse("cooperation:termination_detail", args=[t.pk])))


def test_form_errors_show_on_their_fields_in_chinese_and_change_nothing(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    bank = _as(p.bank_admin)
    data: dict[str, Any] = {
        k: v.pk if hasattr(v, "pk") else v for k, v in application_data(lon=116.31, lat=39.99).items()
    }
    resp = bank.post(reverse("cooperation:application_create"), data)
    assert resp.status_code == 200 and "坐标位于海淀区" in _text(resp)
    data = {k: v.pk if hasattr(v, "pk") else v for k, v in application_data().items()}
    data["floor_plan"] = png("plan.exe")  # a PNG named .exe is still a PNG: accepted by content
    from django.core.files.uploadedfile import SimpleUploadedFile

    data["photos"] = [SimpleUploadedFile("x.jpg", b"not an image at all")]
    resp = bank.post(reverse("cooperation:application_create"), data)
    assert "类型不支持" in _text(resp)
    assert not OutletApplication.objects.exists()


def test_the_refusal_of_a_step_is_shown_as_a_message(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    resp = _as(p.district_officer).post(
        reverse("cooperation:termination_create", args=[outlet.pk]),
        {"kind": "unilateral", "reason": "违规", "effective_date": timezone.localdate().isoformat()},
    )
    body = _text(resp)
    assert "单方解除须选择事由" in body and "单方解除须填写书面通知日期" in body


def test_the_municipal_center_edits_numbers_templates_and_the_checklist(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    admin = _as(p.muni_admin)
    resp = admin.post(
        reverse("cooperation:settings"),
        {
            "term_years": 5,
            "renewal_objection_days": 60,
            "filing_deadline_workdays": 15,
            "expiry_warning_days": 90,
            "layout_nearest_count": 6,
            "opening_check_workdays": 12,
        },
    )
    assert resp.status_code == 302
    assert selectors.current_settings().term_years == 5
    assert selectors.current_settings().opening_check_workdays == 12
    # a template with an unknown placeholder is refused; a good one becomes the current version
    url = reverse("cooperation:template_edit", args=["district"])
    resp = admin.post(url, {"title": "区级协议", "body": "甲方：${agency_name}，乙方：${outlet_nam}"})
    assert "未知的占位符：${outlet_nam}" in _text(resp)
    admin.post(
        url,
        {
            "title": "区级协议（2027版）",
            "body": "甲方：${agency_name}\n\n乙方：${outlet_name}，期限${term_years}年。",
        },
    )
    current = selectors.current_template("district")
    assert current is not None and current.version == 2
    assert DocumentTemplate.objects.filter(kind="district").count() == 2
    # a new checklist version: a draft copied from the current one, edited, then published
    admin.post(reverse("cooperation:checklist_new"))
    draft = ChecklistTemplate.objects.get(status=ChecklistStatus.DRAFT)
    items = list(draft.items.values("code", "group", "mode", "level", "text"))
    form: dict[str, object] = {
        "title": draft.title,
        "note": "增加一项",
        "items-TOTAL_FORMS": len(items) + 1,
        "items-INITIAL_FORMS": len(items),
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 1000,
    }
    for i, it in enumerate(items):
        for k, v in it.items():
            form[f"items-{i}-{k}"] = v
    form.update(
        {
            f"items-{len(items)}-code": "A2",
            f"items-{len(items)}-group": "ability",
            f"items-{len(items)}-mode": "",
            f"items-{len(items)}-level": "should",
            f"items-{len(items)}-text": "现场试办参保证明打印",
            "publish": "1",
        }
    )
    resp = admin.post(reverse("cooperation:checklist_edit", args=[draft.pk]), form, follow=True)
    assert "已发布为现行版本" in _text(resp)
    published = selectors.published_checklist()
    assert published is not None and published.version == 2 and published.items.filter(code="A2").exists()
    assert ChecklistTemplate.objects.get(version=1).status == ChecklistStatus.RETIRED
    # removing every must item of a mode is refused (R3.1)
    admin.post(reverse("cooperation:checklist_new"))
    draft = ChecklistTemplate.objects.get(status=ChecklistStatus.DRAFT)
    items = [
        i for i in draft.items.values("code", "group", "mode", "level", "text") if i["mode"] != "terminal"
    ]
    form = {
        "title": draft.title,
        "note": "",
        "items-TOTAL_FORMS": len(items),
        "items-INITIAL_FORMS": len(items),
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 1000,
    }
    for i, it in enumerate(items):
        for k, v in it.items():
            form[f"items-{i}-{k}"] = v
    resp = admin.post(reverse("cooperation:checklist_edit", args=[draft.pk]), form)
    assert "三种服务方式各设至少一个必备项，缺少：自助终端" in _text(resp)


def test_list_pages_filter_search_export_and_flag_overdue_filings(reference) -> None:  # type: ignore[no-untyped-def]
    from .factories import signed

    p = cooperating()
    ag = signed(p)
    Agreement.objects.filter(pk=ag.pk).update(filing_due=timezone.localdate() - dt.timedelta(days=1))
    officer = _as(p.district_officer)
    page = _text(officer.get(reverse("cooperation:filing_list"), {"overdue": "1"}))
    assert ag.number in page and "逾期" in page
    assert ag.number in _text(officer.get(reverse("cooperation:agreement_list"), {"q": ag.number}))
    assert ag.number not in _text(officer.get(reverse("cooperation:agreement_list"), {"q": "不存在"}))
    resp = officer.get(reverse("cooperation:agreement_list"), {"export": "xlsx"})
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    from sheyin.cooperation import services
    from sheyin.notifications.models import Notification

    assert services.filing_deadline_alerts() >= 1
    assert Notification.objects.filter(
        user=p.district_officer, kind="deadline", title__contains="超过备案期限"
    ).exists()
