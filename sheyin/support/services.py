"""Problem-ticket writes (R9.2). Views, commands and jobs call these.

An outlet raises a ticket; it goes to the district's named contact for its category. The contact answers
within 1 working day and closes within 5 (editable `SupportSettings`, counted with the holiday calendar);
otherwise the escalation job raises it to the district head (district admins), then to the municipal
center (municipal officers and admins).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.models import RoleAssignment
from sheyin.accounts.permissions import NotAllowed, require, require_scope
from sheyin.accounts.roles import Role
from sheyin.accounts.scope import assignments_of
from sheyin.audit.services import record, snapshot
from sheyin.common.numbering import allocate
from sheyin.common.reference_cache import REFERENCE
from sheyin.common.uploads import DOCUMENTS, check_upload
from sheyin.institutions.models import Outlet
from sheyin.institutions.workdays import add_working_days_each
from sheyin.notifications.models import Notification
from sheyin.notifications.services import notify, todos_done

from .models import (
    Category,
    DistrictContact,
    FaqEntry,
    GuidanceSession,
    SupportSettings,
    Ticket,
    TicketAttachment,
    TicketMessage,
)
from .selectors import DISTRICT_ROLES
from .workflow import TICKET, TicketStatus

MAX_ATTACHMENTS = 5


def _users_with(roles: list[str], **org: Any) -> list[Any]:
    return [
        a.user
        for a in RoleAssignment.objects.filter(role__in=roles, **org).select_related("user")
        if a.user.is_active
    ]


def _contact_for(district_id: int, category: str) -> DistrictContact | None:
    """The district's named contact for the category while they can still take the ticket: an active
    account that still works in that district (R9.2). A contact switched off or moved since being named is
    passed over, and the ticket goes to the district's officers rather than to nobody's queue."""
    return (
        DistrictContact.objects.filter(
            district_id=district_id,
            category=category,
            user__is_active=True,
            user__assignments__agency_id=district_id,
            user__assignments__role__in=DISTRICT_ROLES,
        )
        .select_related("user")
        .first()
    )


def _url(pk: int) -> str:
    return reverse("support:ticket_detail", args=[pk])


def _outlet_of(by: Any) -> Outlet:
    for a in assignments_of(by):
        if a.outlet_id:
            return Outlet.objects.select_related("district", "bank").get(pk=a.outlet_id)
    raise NotAllowed(_("只有网点人员可以提出问题。"))


def deadlines(raised: dt.date) -> tuple[dt.date, dt.date]:
    """Reply and close deadlines in working days from the day the ticket was raised (R9.2)."""
    reply_days, close_days = _deadline_days()
    reply, close = add_working_days_each(raised, [reply_days, close_days])
    return reply, close


def _deadline_days() -> tuple[int, int]:
    """The settings' two figures, cached until the settings' next write (`common.reference_cache`)."""

    def build() -> tuple[tuple[int, int], None]:
        s = SupportSettings.objects.filter(pk=1).first() or SupportSettings()  # a read writes nothing
        return (s.reply_working_days, s.close_working_days), None

    return REFERENCE.cached("support:deadline-days", build, per_language=False)


def settings_update(*, reply_working_days: int, close_working_days: int, by: Any) -> SupportSettings:
    require(by, "support.edit_settings")
    if not 1 <= reply_working_days <= close_working_days <= 30:
        raise ValidationError({"close_working_days": _("办结时限须不少于答复时限，且在1至30个工作日之间。")})
    with transaction.atomic():
        s = SupportSettings.current()
        before = snapshot(s)
        s.reply_working_days, s.close_working_days = reply_working_days, close_working_days
        s.save()
        record(action="support.settings_update", by=by, obj=s, before=before, after=snapshot(s))
    return s


def contact_set(*, district: Any, category: str, user: Any, phone: str = "", by: Any) -> DistrictContact:
    """Name (or replace) the district's contact for a category; the contact must work in that district."""
    require(by, "support.manage_contacts")
    if category not in Category.values:
        raise ValidationError({"category": _("请选择问题类别。")})
    if not getattr(user, "is_active", False):
        raise ValidationError({"user": _("该账号已停用，不能指定为联系人。")})
    if not RoleAssignment.objects.filter(user=user, agency=district, role__in=DISTRICT_ROLES).exists():
        raise ValidationError({"user": _("联系人须为本区经办机构的工作人员。")})
    with transaction.atomic():
        contact = DistrictContact.objects.filter(district=district, category=category).first()
        contact = contact or DistrictContact(district=district, category=category)
        require_scope(by, contact)
        contact.user, contact.phone = user, phone.strip()[:30]
        contact.save()
        record(action="support.contact_set", by=by, obj=contact,
               after={"category": category, "user": user.get_username()})  # fmt: skip
    return contact


def _attach(ticket: Ticket, uploads: list[UploadedFile], by: Any) -> None:
    if not uploads:
        return
    if ticket.attachments.count() + len(uploads) > MAX_ATTACHMENTS:
        raise ValidationError({"attachments": _("每个工单最多上传%(n)s个附件。") % {"n": MAX_ATTACHMENTS}})
    checked = []
    for f in uploads:
        try:
            checked.append((f, check_upload(f, DOCUMENTS)))
        except ValidationError as exc:
            raise ValidationError({"attachments": exc.messages}) from exc
    for f, kind in checked:
        TicketAttachment.objects.create(ticket=ticket, name=(f.name or "")[:100], file=f, kind=kind,
                                        size=f.size or 0, uploaded_by=by)  # fmt: skip


def ticket_raise(
    *,
    category: str,
    title: str,
    description: str,
    attachments: list[UploadedFile] | None = None,
    outlet: Any = None,
    by: Any,
) -> Ticket:
    """An outlet raises a ticket; it goes to the district's named contact for the category (R9.2).
    A bank (its admin or its head-office system) may raise one for any of its own outlets."""
    if outlet is None:
        require(by, "support.raise")
        outlet = _outlet_of(by)
    else:
        require(by, "support.raise_for_outlet")
        require_scope(by, outlet)
    person = by if getattr(by, "pk", None) else None
    errors: dict[str, str] = {}
    if category not in Category.values:
        errors["category"] = _("请选择问题类别。")
    if not title.strip():
        errors["title"] = _("请填写标题。")
    if len(description.strip()) < 5:
        errors["description"] = _("请具体描述问题（至少5个字）。")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    reply_due, close_due = deadlines(timezone.localdate(now))
    contact = _contact_for(outlet.district_id, category)
    ticket = Ticket(
        outlet=outlet, district_id=outlet.district_id,
        bank_id=outlet.bank_id, category=category, title=title.strip()[:100],
        description=description.strip(), raised_by=person, assignee=contact.user if contact else None,
        raised_by_name=str(getattr(by, "audit_name", "") or by)[:150],
        raised_at=now, reply_due=reply_due, close_due=close_due,
    )  # fmt: skip
    require_scope(by, ticket)
    with transaction.atomic():
        ticket.number = allocate(Ticket, "number", f"WT{timezone.localdate(now):%Y%m%d}", 4)
        ticket.save()
        _attach(ticket, attachments or [], by)
        record(action="ticket.raise", by=by, obj=ticket,
               after=snapshot(ticket, ["category", "title", "reply_due", "close_due", "assignee"]))  # fmt: skip
        to = [contact.user] if contact else _users_with(
            [Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER], agency_id=outlet.district_id)  # fmt: skip
        notify(users=to, title=_("新问题反馈：%(t)s") % {"t": ticket.title}, url=_url(ticket.pk),
               kind=Notification.Kind.TASK)  # fmt: skip
    return ticket


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


ASSIGNABLE_MUNICIPAL = (Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER)


def may_be_assigned(user: Any, ticket: Ticket) -> bool:
    """A ticket goes to an active officer of its own district, or of the municipal center (R9.2)."""
    if not getattr(user, "is_active", False):
        return False
    mine = RoleAssignment.objects.filter(user=user)
    return (
        mine.filter(role__in=DISTRICT_ROLES, agency_id=ticket.district_id).exists()
        or mine.filter(role__in=ASSIGNABLE_MUNICIPAL).exists()
    )


def ticket_assign(*, ticket: Ticket, assignee: Any, by: Any) -> Ticket:
    """Hand an open ticket to another officer; its deadlines do not change. Audited, the new one notified."""
    require(by, "support.assign")
    require_scope(by, ticket)
    with transaction.atomic():
        t = _locked(ticket)
        if t.status == TicketStatus.CLOSED:
            raise ValidationError(_("工单已办结，不能再指派。"))
        if not may_be_assigned(assignee, t):
            raise ValidationError({"assignee": _("只能指派给本区经办机构或市级经办机构的在职人员。")})
        if t.assignee_id == assignee.pk:
            raise ValidationError(_("该工单已由此人处理。"))
        before = snapshot(t, ["assignee"])
        t.assignee = assignee
        t.save(update_fields=["assignee"])
        record(action="ticket.assign", by=by, obj=t, before=before, after=snapshot(t, ["assignee"]))
        notify(users=[assignee], title=_("指派给您的问题工单：%(t)s") % {"t": t.title}, url=_url(t.pk),
               kind=Notification.Kind.TASK)  # fmt: skip
    return t


def ticket_reply(*, ticket: Ticket, body: str, by: Any) -> Ticket:
    """The district's answer; the first one stops the reply clock."""
    require(by, "support.answer")
    require_scope(by, ticket)
    if not body.strip():
        raise ValidationError({"body": _("请填写答复内容。")})
    with transaction.atomic():
        t = _locked(ticket)
        TICKET.check(t, "reply", by=by)
        now = timezone.now()
        TicketMessage.objects.create(
            ticket=t, kind=TicketMessage.Kind.AGENCY, author=by, body=body.strip(), at=now
        )
        t = TICKET.apply(t, "reply", by=by, changes={"first_reply_at": t.first_reply_at or now})
        todos_done(urls=[_url(t.pk)])  # the new ticket is answered, by whoever in the district answered it
        notify(
            users=[t.raised_by] if t.raised_by else [],
            title=_("您的问题已答复：%(t)s") % {"t": t.title},
            url=_url(t.pk),
        )
    return t


def ticket_follow_up(*, ticket: Ticket, body: str, attachments: list[UploadedFile] | None = None,
                     by: Any) -> Ticket:  # fmt: skip
    require(by, "support.raise")
    require_scope(by, ticket)
    if not body.strip():
        raise ValidationError({"body": _("请填写补充内容。")})
    with transaction.atomic():
        t = _locked(ticket)
        TICKET.check(t, "follow_up", by=by)
        TicketMessage.objects.create(ticket=t, kind=TicketMessage.Kind.OUTLET, author=by, body=body.strip())
        _attach(t, attachments or [], by)
        t = TICKET.apply(t, "follow_up", by=by)
        if t.assignee_id:
            notify(users=[t.assignee], title=_("网点补充了问题：%(t)s") % {"t": t.title}, url=_url(t.pk))
    return t


def ticket_close(*, ticket: Ticket, resolution: str, by: Any) -> Ticket:
    require(by, "support.view")
    require_scope(by, ticket)
    if not resolution.strip():
        raise ValidationError({"resolution": _("请填写处理结果。")})
    with transaction.atomic():
        t = TICKET.apply(ticket, "close", by=by, changes={"resolution": resolution.strip()},
                         reason=resolution.strip())  # fmt: skip
        todos_done(urls=[_url(t.pk)])
    return t


def ticket_reopen(*, ticket: Ticket, reason: str, by: Any) -> Ticket:
    """The outlet reopens a ticket it finds unresolved; the close clock starts again from today."""
    require(by, "support.raise")
    require_scope(by, ticket)
    if not reason.strip():
        raise ValidationError({"reason": _("请说明重新打开的原因。")})
    with transaction.atomic():
        t = _locked(ticket)
        TICKET.check(t, "reopen", by=by)
        TicketMessage.objects.create(ticket=t, kind=TicketMessage.Kind.OUTLET, author=by, body=reason.strip())
        reply_due, close_due = deadlines(timezone.localdate())
        t = TICKET.apply(
            t, "reopen", by=by, reason=reason.strip(),
            changes={"reply_due": reply_due, "close_due": close_due, "closed_at": None, "resolution": "",
                     "first_reply_at": None, "escalation": 0, "escalated_at": None},
        )  # fmt: skip
    return t


def tickets_escalate(*, today: dt.date | None = None) -> dict[str, int]:
    """The escalation job (idempotent): unanswered past the reply deadline → the district head; not closed
    past the close deadline → the municipal center. A ticket is raised one level at a time, once."""
    today = today or timezone.localdate()
    counts = {"district_head": 0, "municipal": 0}
    open_states = [TicketStatus.OPEN, TicketStatus.ANSWERED]
    to_municipal = Ticket.objects.filter(status__in=open_states, close_due__lt=today, escalation__lt=2)
    to_head = Ticket.objects.filter(status=TicketStatus.OPEN, first_reply_at__isnull=True,
                                    reply_due__lt=today, escalation__lt=1).exclude(close_due__lt=today)  # fmt: skip
    for level, qs in ((2, to_municipal), (1, to_head)):
        for pk in list(qs.values_list("pk", flat=True)):
            with transaction.atomic():
                t = Ticket.objects.select_for_update().get(pk=pk)
                if t.escalation >= level or t.status == TicketStatus.CLOSED:
                    continue
                t.escalation, t.escalated_at = level, timezone.now()
                t.save(update_fields=["escalation", "escalated_at"])
                if level == 1:
                    note = _("超过答复期限（%(d)s）未答复，已升级至区经办机构负责人。") % {"d": t.reply_due}
                    users = _users_with([Role.DISTRICT_ADMIN], agency_id=t.district_id)
                    counts["district_head"] += 1
                else:
                    note = _("超过办结期限（%(d)s）未办结，已升级至市级经办机构。") % {"d": t.close_due}
                    users = _users_with([Role.MUNICIPAL_OFFICER, Role.MUNICIPAL_ADMIN])
                    counts["municipal"] += 1
                TicketMessage.objects.create(ticket=t, kind=TicketMessage.Kind.SYSTEM, body=note)
                record(action="ticket.escalate", obj=t, reason=note, after={"escalation": level})
                notify(users=users, title=_("问题反馈逾期升级：%(t)s") % {"t": t.title}, body=note,
                       url=_url(t.pk), kind=Notification.Kind.ALERT)  # fmt: skip
    return counts


def guidance_log(*, outlet: Outlet, held_at: dt.datetime, topic: str, outcome: str, duration_minutes: int = 30,
                 note: str = "", ticket: Ticket | None = None, by: Any) -> GuidanceSession:  # fmt: skip
    """Record a remote video guidance session given to an outlet (R9.2)."""
    require(by, "support.log_guidance")
    errors: dict[str, str] = {}
    if not topic.strip():
        errors["topic"] = _("请填写指导主题。")
    if outcome not in GuidanceSession.Outcome.values:
        errors["outcome"] = _("请选择指导结果。")
    if held_at > timezone.now():
        errors["held_at"] = _("指导时间不能晚于当前时间。")
    if not 1 <= duration_minutes <= 480:
        errors["duration_minutes"] = _("时长须在1至480分钟之间。")
    if ticket is not None and ticket.outlet_id != outlet.pk:
        errors["ticket"] = _("关联工单不属于该网点。")
    if errors:
        raise ValidationError(errors)
    s = GuidanceSession(outlet=outlet, district_id=outlet.district_id, bank_id=outlet.bank_id, ticket=ticket,
                        held_at=held_at, duration_minutes=duration_minutes, topic=topic.strip()[:100],
                        outcome=outcome, note=note.strip(), host=by)  # fmt: skip
    require_scope(by, s)
    with transaction.atomic():
        s.save()
        record(action="guidance.log", by=by, obj=s, after=snapshot(s, ["topic", "outcome", "held_at"]))
    return s


def faq_publish(*, ticket: Ticket, question: str, answer: str, by: Any) -> FaqEntry:
    """Turn a resolved ticket into a FAQ entry every outlet can search."""
    require(by, "support.publish_faq")
    require_scope(by, ticket)
    ticket = Ticket.objects.get(pk=ticket.pk)
    errors: dict[str, str] = {}
    if ticket.status != TicketStatus.CLOSED:
        errors["question"] = _("只有已办结的工单可以整理为常见问题。")
    if not question.strip():
        errors["question"] = _("请填写问题。")
    if not answer.strip():
        errors["answer"] = _("请填写解答。")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            entry = FaqEntry.objects.create(category=ticket.category, question=question.strip()[:200],
                                            answer=answer.strip(), source=ticket, created_by=by)  # fmt: skip
            record(action="faq.publish", by=by, obj=entry, after={"ticket": ticket.number})
    except IntegrityError as exc:
        raise ValidationError({"question": _("该工单已整理为常见问题。")}) from exc
    return entry


def open_ticket_items(outlet: Any) -> list[dict[str, Any]]:
    """Open-item source for termination (R6.4): tickets of the outlet not yet closed."""
    rows = Ticket.objects.filter(outlet=outlet).exclude(status=TicketStatus.CLOSED).order_by("raised_at")
    return [
        {"kind": "support_ticket", "description": _("问题工单未办结：%(n)s %(t)s") % {"n": t.number, "t": t.title},
         "object_type": "support.ticket", "object_id": str(t.pk), "url": _url(t.pk)}
        for t in rows
    ]  # fmt: skip
