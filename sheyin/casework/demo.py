"""Demo data for window acceptance: cases in every state at the demo outlet (accepted through the services,
then some moved back in time so the archive deadlines show), a handover batch waiting for the district,
one confirmed, and guided online self-service sessions. Then a year of history at the same window and online
counter (sheyin.common.demo_history): cases and sessions made through the services and moved back to the
day they happened, their archives handed over to the district week by week. Idempotent: runs once."""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from sheyin.accounts.models import User
from sheyin.common import demo_history
from sheyin.common.numbering import allocate, restart
from sheyin.institutions.workdays import add_working_days, is_workday
from sheyin.notifications.models import Notification

from . import services
from .models import ArchiveRecord, Case, CaseReview, CustodyEvent, GuidedSession, HandoverBatch, PersonLookup
from .workflow import CaseStatus

CASES_PER_MONTH = 40  # accepted at the demo outlet's window in an average month of the history
SESSIONS_PER_MONTH = 16  # guided at its online self-service counter
# What the window accepts, and how often: everyday certificates and card services most; now and then a
# high-risk item (approved by a second certified colleague) and the flexible-employment stop, which the core
# refuses for an employee (不予办理).
HISTORY_ITEMS = {
    "SY-Q-002": 14, "SY-Q-001": 10, "SY-B-003": 8, "SY-C-004": 8, "SY-C-008": 8, "SY-C-003": 6,
    "SY-C-001": 6, "SY-B-001": 6, "SY-R-003": 6, "SY-R-001": 5, "SY-R-005": 5, "SY-B-004": 4,
    "SY-B-006": 4, "SY-Q-006": 3, "SY-R-004": 3, "SY-R-002": 1, "SY-B-002": 1, "SY-C-006": 1,
}  # fmt: skip
CANCEL_REASONS = ["申请人未带身份证原件", "申请人材料不全，约定补齐后再来", "申请人临时离开"]
ONLINE_SERVICES = ["电子社保卡申领指导", "参保证明查询打印", "灵活就业人员参保登记", "城乡居民养老保险缴费档次变更",
                   "养老保险个人账户查询", "失业登记"]  # fmt: skip


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


def _item(code: str) -> Any:
    from sheyin.catalogue.selectors import item_in_force

    item = item_in_force(code)
    assert item is not None, code
    return item


def _accept(
    staff: Any, code: str, id_number: str, *, card: str = "", scans: bool = True, submit: bool = True
) -> Case:
    item = _item(code)
    case = services.case_open(by=staff)
    case = services.case_choose_item(case=case, item=item, by=staff)
    case = services.case_identify(case=case, id_number=id_number, card_number=card, by=staff)
    case = services.case_set_materials(case=case, ticked=item.material_list, by=staff)
    if scans:
        for m in item.material_list[:2]:
            services.case_attach(case=case, material=m, by=staff,
                                 upload=SimpleUploadedFile("scan.png", _scan_png(m), content_type="image/png"))  # fmt: skip
    return services.case_submit(case=case, by=staff) if submit else case


def _number(case: Case, called: dt.datetime) -> str:
    """The receipt number of the day the case was called: the number carries that day (the cases'
    monthly partitions rely on it, sheyin/common/partitions.py)."""
    prefix = f"{case.outlet.code}-{timezone.localdate(called):%Y%m%d}-"
    return case.receipt_no if case.receipt_no.startswith(prefix) else allocate(Case, "receipt_no", prefix)


def _backdate(case: Case, days: int) -> None:
    """History: the case happened `days` ago (its archive deadline and receipt number move with it)."""
    shift = dt.timedelta(days=days)
    Case.objects.filter(pk=case.pk).update(
        receipt_no=_number(case, case.called_at - shift),
        called_at=case.called_at - shift, started_at=case.started_at - shift if case.started_at else None,
        submitted_at=case.submitted_at - shift if case.submitted_at else None,
        ended_at=case.ended_at - shift if case.ended_at else None,
    )  # fmt: skip
    # The staff look-up made while serving moves with the case it belongs to.
    for x in PersonLookup.objects.filter(case=case):
        PersonLookup.objects.filter(pk=x.pk).update(at=x.at - shift)
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
    # A staff member looks two people up on a case and cancels it: no business follows, which the oversight
    # rule reports as possible snooping (the look-ups are in the query log).
    peek = services.case_open(by=staff)
    peek = services.case_choose_item(case=peek, item=_item("SY-Q-001"), by=staff)
    for id_number in ids[2:4]:  # their own cases were more than a week earlier
        peek = services.case_identify(case=peek, id_number=id_number, by=staff)
    services.case_cancel(case=peek, reason="申请人临时离开", by=staff)

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

    # The online self-service counter over the last weeks: each session ends with a slip and its 评价码.
    from sheyin.ratings.models import RatingToken

    sessions = [(0, "completed", 9), (0, "completed", 4), (0, "referred", 12), (0, "partial", 15)]
    sessions += [(d, rng.choice(["completed", "completed", "completed", "partial"]), rng.randrange(4, 25))
                 for d in (1, 2, 3, 4, 5, 8, 11, 15, 19, 20, 26, 33, 41, 48, 55)]  # fmt: skip
    for i, (days, outcome, minutes) in enumerate(sessions):
        s = services.guided_start(service_name=ONLINE_SERVICES[i % len(ONLINE_SERVICES)], by=staff)
        s = services.guided_finish(session=s, outcome=outcome, by=staff)
        end = s.ended_at - dt.timedelta(days=days, hours=rng.randrange(0, 4) if days else 0)  # type: ignore[operator]
        GuidedSession.objects.filter(pk=s.pk).update(
            started_at=end - dt.timedelta(minutes=minutes), ended_at=end, duration_seconds=minutes * 60
        )
        RatingToken.objects.filter(guided=s).update(issued_at=end)
    history = _history(staff, manager, officer, rng) if officer is not None else 0
    alerted = services.archive_alert_overdue()
    stdout.write(
        f"casework demo data: {Case.objects.count()} cases, {ArchiveRecord.objects.count()} archive records, "
        f"batches {closed.number} (confirmed) and {waiting.number} (waiting for the district), {alerted} overdue alerts"
        f"; a year of history: {history} cases"
    )


def _history(staff: User, manager: User, officer: User, rng: random.Random) -> int:
    """A year at the demo outlet's window and online counter (sheyin.common.demo_history), topping up each
    month's cases and sessions to the season's figure around what the demo above made in the last weeks.
    Cases are accepted through the services and moved to their moment; their archives go to the district
    in weekly batches (monthly and late in the slump quarter). The services' messages about these events
    (a batch to confirm, a case to review) were dealt with back then and are not left in today's inboxes.
    Returns the number of cases made."""
    since = timezone.now()
    today = timezone.localdate(since)
    plan = demo_history.Plan(today, open_day=is_workday)
    pool = _people(400, rng)
    codes, weights = list(HISTORY_ITEMS), list(HISTORY_ITEMS.values())
    counted = Case.objects.exclude(status__in=(CaseStatus.DRAFT, CaseStatus.CANCELLED))
    made: list[Case] = []
    urls: list[str] = []
    for at in plan.moments(
        CASES_PER_MONTH, rng, have=demo_history.by_month(counted.values_list("called_at", flat=True))
    ):
        if rng.random() < 0.03:  # a visit given up at the window: no business, but on record
            gone = services.case_cancel(
                case=services.case_open(by=staff), reason=rng.choice(CANCEL_REASONS), by=staff
            )
            _place(gone, at - dt.timedelta(minutes=5), 3)
        case = _accept(staff, rng.choices(codes, weights)[0], rng.choice(pool), scans=False)
        if case.status == CaseStatus.AWAITING_REVIEW:
            case = services.case_review(case=case, approve=True, reason="材料齐全，身份核验无误", by=manager)
            urls.append(reverse("casework:case_detail", args=[case.pk]))
        made.append(_place(case, at, rng.randint(6, 18)))
    urls += _hand_over(made, manager, officer, plan, rng)
    _sessions(staff, plan, rng)
    if made:  # today's numbers taken by the history and moved back are free again
        outlet = made[0].outlet.code
        restart(Case, "receipt_no", f"{outlet}-{today:%Y%m%d}-")
        restart(HandoverBatch, "number", f"YJ-{outlet}-{today:%Y%m%d}-")
    Notification.objects.filter(url__in=urls, created_at__gte=since).delete()
    return len(made)


def _place(case: Case, at: dt.datetime, minutes: int) -> Case:
    """History: the case was called at `at` and ended `minutes` later, under a receipt number of that day
    (the services number and stamp everything "now"); its look-up, review, archive record and deadline,
    custody record and 评价码 move with it."""
    from sheyin.ratings.models import RatingToken

    end = at + dt.timedelta(minutes=minutes) if case.ended_at else None
    case.receipt_no = _number(case, at)
    Case.objects.filter(pk=case.pk).update(
        receipt_no=case.receipt_no, created_at=at, called_at=at,
        started_at=at + dt.timedelta(minutes=1) if case.started_at else None,
        submitted_at=end if case.submitted_at else None, ended_at=end,
    )  # fmt: skip
    case.called_at, case.ended_at = at, end
    PersonLookup.objects.filter(case=case).update(at=at + dt.timedelta(minutes=2))
    if end is not None:
        CaseReview.objects.filter(case=case).update(at=end - dt.timedelta(minutes=1))
        due = add_working_days(timezone.localdate(end), services.HANDOVER_WORKING_DAYS)
        ArchiveRecord.objects.filter(case=case).update(due_date=due, created_at=end)
        CustodyEvent.objects.filter(record__case=case).update(at=end)
        RatingToken.objects.filter(case=case).update(issued_at=end)
    return case


def _hand_over(cases: list[Case], manager: User, officer: User, plan: demo_history.Plan,
               rng: random.Random) -> list[str]:  # fmt: skip
    """The history's archives go to the district in a batch a week, sent the first working day after the
    week and confirmed the next; in the slump quarter in a batch a month, sent a week into the next month,
    so nearly every record is late. A batch whose day has not come yet is left for later. Returns the
    batches' pages."""
    first, last = demo_history.slump(plan.today)
    groups: dict[tuple[dt.date, dt.date, bool], list[ArchiveRecord]] = {}
    records = ArchiveRecord.objects.filter(case__in=[c.pk for c in cases]).select_related("case")
    for rec in sorted(records, key=lambda r: (r.case.ended_at, r.pk)):
        day = timezone.localdate(rec.case.ended_at)
        if first <= day <= last:
            month = day.replace(day=1)
            span = (month, demo_history.add_months(month, 1) - dt.timedelta(days=1), True)
        else:
            monday = day - dt.timedelta(days=day.weekday())
            span = (monday, monday + dt.timedelta(days=6), False)
        groups.setdefault(span, []).append(rec)
    tz = timezone.get_current_timezone()
    urls = []
    for (start, end, monthly), recs in groups.items():
        sent_day = plan.next_open(end, 6 if monthly else 1)
        if sent_day >= plan.today:
            continue
        batch = services.handover_create(
            records=recs, by=manager, note=f"{start:%m月%d日}至{end:%m月%d日}业务档案"
        )
        services.handover_send(batch=batch, by=manager)
        compiled = dt.datetime.combine(sent_day, dt.time(9, rng.randrange(0, 30)), tzinfo=tz)
        sent = compiled + dt.timedelta(minutes=rng.randrange(10, 50))
        confirm_day = plan.next_open(sent_day)
        received = None
        if confirm_day < plan.today:
            for rec in recs:
                services.archive_confirm(record_=rec, by=officer)
            received = dt.datetime.combine(
                confirm_day, dt.time(rng.randrange(10, 16), rng.randrange(60)), tzinfo=tz
            )
        number = allocate(HandoverBatch, "number", f"YJ-{batch.outlet.code}-{sent_day:%Y%m%d}-")
        HandoverBatch.objects.filter(pk=batch.pk).update(
            number=number, created_at=compiled, sent_at=sent, closed_at=received
        )
        CustodyEvent.objects.filter(batch=batch, kind=CustodyEvent.Kind.BATCHED).update(at=compiled)
        CustodyEvent.objects.filter(batch=batch, kind=CustodyEvent.Kind.SENT).update(at=sent)
        if received is not None:
            CustodyEvent.objects.filter(batch=batch, kind=CustodyEvent.Kind.RECEIVED).update(at=received)
            ArchiveRecord.objects.filter(batch=batch).update(received_at=received)
        urls.append(reverse("casework:handover_detail", args=[batch.pk]))
    return urls


def _sessions(staff: User, plan: demo_history.Plan, rng: random.Random) -> None:
    """The online counter's year, topping up what the demo above made in the last weeks."""
    from sheyin.ratings.models import RatingToken

    counted = GuidedSession.objects.exclude(outcome=GuidedSession.Outcome.ABANDONED).values_list(
        "started_at", flat=True
    )
    outcomes = ["completed", "partial", "referred", "abandoned"]
    for at in plan.moments(SESSIONS_PER_MONTH, rng, have=demo_history.by_month(counted)):
        s = services.guided_start(service_name=rng.choice(ONLINE_SERVICES), by=staff)
        s = services.guided_finish(session=s, outcome=rng.choices(outcomes, [80, 12, 6, 2])[0], by=staff)
        end = at + dt.timedelta(minutes=rng.randrange(4, 25))
        GuidedSession.objects.filter(pk=s.pk).update(
            started_at=at, ended_at=end, duration_seconds=int((end - at).total_seconds())
        )
        RatingToken.objects.filter(guided=s).update(issued_at=end)
