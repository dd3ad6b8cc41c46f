"""Demo data for window acceptance: cases in every state at the demo outlet (accepted through the services,
then some moved back in time so the archive deadlines show), a handover batch waiting for the district,
one confirmed, and guided online self-service sessions. Idempotent: runs once."""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sheyin.accounts.models import User
from sheyin.institutions.workdays import add_working_days

from . import services
from .models import ArchiveRecord, Case, GuidedSession


def _scan_png(label: str) -> bytes:
    """A stand-in for a document-camera image (no personal data)."""
    from PIL import Image, ImageDraw, ImageFont

    from sheyin.common.pdf import register_font

    img = Image.new("RGB", (900, 560), (246, 244, 238))
    d = ImageDraw.Draw(img)
    d.rectangle((30, 30, 870, 530), outline=(120, 130, 150), width=4)
    from django.conf import settings

    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    try:
        register_font()
        font = ImageFont.truetype(str(settings.SHEYIN_PDF_FONT), 40)
    except (OSError, RuntimeError):  # the picture is decoration
        font = ImageFont.load_default()
    d.text((70, 220), f"{label}（演示扫描件）", fill=(60, 60, 80), font=font)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _people(n: int, rng: random.Random) -> list[str]:
    from sheyin.coresystem.adapter import get_core
    from sheyin.coresystem.demo import KNOWN
    from sheyin.coresystem.models import InsuredPerson

    pks = list(InsuredPerson.objects.order_by("pk").values_list("pk", flat=True)[:2000])
    chosen = rng.sample(pks, min(n, len(pks)))
    core = get_core()
    return [p.id_number for p in KNOWN] + [core.reveal_id_number(str(pk)) for pk in chosen]


def _accept(
    staff: Any, code: str, id_number: str, *, card: str = "", scans: bool = True, submit: bool = True
) -> Case:
    from sheyin.catalogue.selectors import item_in_force

    item = item_in_force(code)
    assert item is not None, code
    case = services.case_open(by=staff)
    case = services.case_choose_item(case=case, item=item, by=staff)
    case = services.case_identify(case=case, id_number=id_number, card_number=card, by=staff)
    case = services.case_set_materials(case=case, ticked=item.material_list, by=staff)
    if scans:
        for m in item.material_list[:2]:
            services.case_attach(case=case, material=m, by=staff,
                                 upload=SimpleUploadedFile("scan.png", _scan_png(m), content_type="image/png"))  # fmt: skip
    return services.case_submit(case=case, by=staff) if submit else case


def _backdate(case: Case, days: int) -> None:
    """History: the case happened `days` ago (its archive deadline moves with it)."""
    shift = dt.timedelta(days=days)
    Case.objects.filter(pk=case.pk).update(
        called_at=case.called_at - shift, started_at=case.started_at - shift if case.started_at else None,
        submitted_at=case.submitted_at - shift if case.submitted_at else None,
        ended_at=case.ended_at - shift if case.ended_at else None,
    )  # fmt: skip
    if case.ended_at:
        due = add_working_days(timezone.localdate(case.ended_at - shift), services.HANDOVER_WORKING_DAYS)
        ArchiveRecord.objects.filter(case=case).update(due_date=due)
        ArchiveRecord.objects.filter(case=case).first().events.update(at=case.ended_at - shift)  # type: ignore[union-attr]


def seed(rng: random.Random, stdout: Any) -> None:
    if Case.objects.exists():
        stdout.write("casework demo data: already present")
        return
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["outlet_staff", "outlet_manager", "district_officer"])
    }
    staff, manager, officer = (
        users.get("outlet_staff"),
        users.get("outlet_manager"),
        users.get("district_officer"),
    )
    from sheyin.catalogue.selectors import version_in_force
    from sheyin.staffing.selectors import has_active_grant

    if (
        staff is None
        or manager is None
        or version_in_force() is None
        or not has_active_grant(staff, channel="W")
    ):
        stdout.write(
            "casework demo data: needs the demo accounts, a catalogue in force and a staff grant; skipped"
        )
        return
    ids = _people(14, rng)
    from sheyin.coresystem.demo import KNOWN

    codes = ["SY-Q-002", "SY-R-003", "SY-C-004", "SY-B-003", "SY-C-003", "SY-Q-006", "SY-R-001", "SY-C-008",
             "SY-B-006", "SY-Q-001"]  # fmt: skip
    done: list[Case] = []
    for i, code in enumerate(codes):
        card = KNOWN[i].card_number if i < len(KNOWN) else ""
        case = _accept(staff, code, ids[i], card=card, scans=i % 3 != 2)
        done.append(case)
    # A high-risk item reviewed by the manager (certified at the same outlet), and one waiting for review.
    reviewed = _accept(staff, "SY-B-002", ids[10])
    reviewed = services.case_review(case=reviewed, approve=True, reason="材料齐全，身份核验无误", by=manager)
    done.append(reviewed)
    _accept(staff, "SY-C-006", ids[11])
    # The core refuses to stop a flexible-employment registration for an employee.
    rejected = _accept(staff, "SY-R-002", ids[12], scans=False)
    # One in progress at the window.
    _accept(staff, "SY-C-001", ids[13], submit=False, scans=False)
    cancelled = services.case_open(by=staff)
    services.case_cancel(case=cancelled, reason="申请人未带身份证原件", by=staff)

    # History: spread the finished cases over the last weeks.
    for i, case in enumerate([*done, rejected]):
        _backdate(case, [12, 11, 9, 8, 7, 6, 10, 2, 1, 1, 0, 0][i % 12])
    records = list(ArchiveRecord.objects.filter(case__in=done[:6]).order_by("due_date"))
    closed = services.handover_create(records=records[:3], by=manager, note="第一批")
    services.handover_send(batch=closed, by=manager)
    if officer is not None:
        for rec in closed.records.all():
            services.archive_confirm(record_=rec, by=officer)
    waiting = services.handover_create(records=records[3:6], by=manager, note="第二批")
    services.handover_send(batch=waiting, by=manager)
    alerted = services.archive_alert_overdue()

    # The online self-service counter over the last weeks: each session ends with a slip and its 评价码.
    from sheyin.ratings.models import RatingToken

    services_online = ["电子社保卡申领指导", "参保证明查询打印", "灵活就业人员参保登记", "城乡居民养老保险缴费档次变更",
                       "养老保险个人账户查询", "失业登记"]  # fmt: skip
    sessions = [(0, "completed", 9), (0, "completed", 4), (0, "referred", 12), (0, "partial", 15)]
    sessions += [(d, rng.choice(["completed", "completed", "completed", "partial"]), rng.randrange(4, 25))
                 for d in (1, 2, 3, 4, 5, 8, 11, 15, 19, 20, 26, 33, 41, 48, 55)]  # fmt: skip
    for i, (days, outcome, minutes) in enumerate(sessions):
        s = services.guided_start(service_name=services_online[i % len(services_online)], by=staff)
        s = services.guided_finish(session=s, outcome=outcome, by=staff)
        end = s.ended_at - dt.timedelta(days=days, hours=rng.randrange(0, 4) if days else 0)  # type: ignore[operator]
        GuidedSession.objects.filter(pk=s.pk).update(
            started_at=end - dt.timedelta(minutes=minutes), ended_at=end, duration_seconds=minutes * 60
        )
        RatingToken.objects.filter(guided=s).update(issued_at=end)
    stdout.write(
        f"casework demo data: {Case.objects.count()} cases, {ArchiveRecord.objects.count()} archive records, "
        f"batches {closed.number} (confirmed) and {waiting.number} (waiting for the district), {alerted} overdue alerts"
    )
