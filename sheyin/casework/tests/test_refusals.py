"""Refusals at the window (R2.0, R2.3, R5.2, R9.1, R9.3): each gets a Chinese message and writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sheyin.audit.models import AuditEvent
from sheyin.casework import services
from sheyin.casework.models import Case, CaseFile
from sheyin.casework.workflow import CaseStatus
from sheyin.catalogue.tests.factories import published, row

from .factories import NOT_AT_WINDOW, WINDOW_ITEM, item, png, staff_user, world

pytestmark = pytest.mark.django_db


def snapshot(case: Case | None = None) -> tuple:  # type: ignore[type-arg]
    state = None
    if case is not None:
        case.refresh_from_db()
        state = (
            case.status,
            case.item_id,
            case.catalogue_version_id,
            case.applicant_index,
            case.materials_checked,
        )
    return Case.objects.count(), CaseFile.objects.count(), AuditEvent.objects.count(), state


def messages(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(exc.value.messages)


def test_it_refuses_to_open_a_case_without_a_grant(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    nobody = staff_user(w.outlet, grant=False)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.case_open(by=nobody)
    assert "没有有效的人工窗口业务授权" in messages(exc)
    assert snapshot() == before


def test_it_refuses_a_grant_that_does_not_cover_the_window(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    guide = staff_user(w.outlet, channels="O,T")
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.case_open(by=guide)
    assert "人工窗口" in messages(exc)
    assert snapshot() == before


def test_it_refuses_an_item_not_allowed_at_the_window(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = services.case_open(by=w.staff)
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        services.case_choose_item(case=case, item=item(NOT_AT_WINDOW), by=w.staff)
    assert "不在人工窗口办理范围内" in messages(exc)
    assert snapshot(case) == before


def test_it_refuses_an_item_outside_the_staff_members_categories(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    querier = staff_user(w.outlet, categories="query")
    case = services.case_open(by=querier)
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        services.case_choose_item(case=case, item=item(WINDOW_ITEM), by=querier)  # a card item
    assert "授权不包括“社保卡业务”" in messages(exc)
    assert snapshot(case) == before


def newer_version() -> None:
    """Version 2 takes effect a minute ago: version 1 (the reference catalogue) is superseded."""
    copy = row(
        code=WINDOW_ITEM, name="社保卡临时挂失", category="card", channels="TOW", materials="居民身份证"
    )
    published(2, timezone.now() - dt.timedelta(minutes=1), items=[copy])


def test_it_refuses_an_item_of_a_superseded_catalogue_version(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    old = item(WINDOW_ITEM)
    newer_version()
    case = services.case_open(by=w.staff)
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        services.case_choose_item(case=case, item=old, by=w.staff)
    assert "已被替代" in messages(exc) and "第2版" in messages(exc)
    assert snapshot(case) == before


def test_it_refuses_to_submit_a_case_whose_version_was_superseded_meanwhile(reference) -> None:  # type: ignore[no-untyped-def]
    from .factories import accepted

    w = world()
    case = accepted(w)
    newer_version()
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        services.case_submit(case=case, by=w.staff)
    assert "已被第2版替代" in messages(exc)
    assert snapshot(case) == before and case.status == CaseStatus.DRAFT


@pytest.mark.parametrize(
    ("id_number", "reason"),
    [("11010819800101123", "应为18位"), ("110108198001011239", "校验位错误"), ("110108198013011235", "出生日期无效"),
     ("abc", "应为18位")],
)  # fmt: skip
def test_it_refuses_an_invalid_id_number(reference, id_number: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = services.case_open(by=w.staff)
    services.case_choose_item(case=case, item=item(WINDOW_ITEM), by=w.staff)
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        services.case_identify(case=case, id_number=id_number, by=w.staff)
    assert reason in messages(exc)
    assert snapshot(case) == before


def test_it_refuses_a_card_that_the_core_does_not_know_for_the_person(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = services.case_open(by=w.staff)
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        services.case_identify(
            case=case, id_number=w.applicant.id_number, card_number="X99999999", by=w.staff
        )
    assert "卡号与核心系统记录不一致" in messages(exc)
    assert snapshot(case) == before


def test_it_refuses_a_file_too_large(reference, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHEYIN_UPLOAD_MAX_BYTES = 1024
    w = world()
    case = services.case_open(by=w.staff)
    it = item(WINDOW_ITEM)
    services.case_choose_item(case=case, item=it, by=w.staff)
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        services.case_attach(case=case, material=it.material_list[0], upload=png(size=2048), by=w.staff)
    assert "超过上限" in messages(exc)
    assert snapshot(case) == before


def test_it_refuses_a_file_of_the_wrong_type(reference) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    w = world()
    case = services.case_open(by=w.staff)
    it = item(WINDOW_ITEM)
    services.case_choose_item(case=case, item=it, by=w.staff)
    before = snapshot(case)
    fake = SimpleUploadedFile(
        "scan.png", b"GIF89a" + b"\x00" * 64, content_type="image/png"
    )  # named .png, is not
    with pytest.raises(ValidationError) as exc:
        services.case_attach(case=case, material=it.material_list[0], upload=fake, by=w.staff)
    assert "类型不支持" in messages(exc)
    assert snapshot(case) == before


def test_the_page_shows_the_refusal_on_the_field(client, reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = services.case_open(by=w.staff)
    client.force_login(w.staff)
    resp = client.post(f"/casework/cases/{case.pk}/work/", {"step": "item", "item": item(NOT_AT_WINDOW).pk})
    assert resp.status_code == 200
    assert "不在人工窗口办理范围内" in resp.content.decode()
    case.refresh_from_db()
    assert case.item_id is None


def test_incomplete_materials_block_the_submission(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = services.case_open(by=w.staff)
    services.case_choose_item(case=case, item=item(WINDOW_ITEM), by=w.staff)
    services.case_identify(case=case, id_number=w.applicant.id_number, by=w.staff)
    with pytest.raises(ValidationError) as exc:
        services.case_submit(case=case, by=w.staff)
    assert "材料未收齐" in messages(exc)
