"""R4.4: filing of the district agreement (maker–checker) and the plaque."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.permissions import require, require_scope
from sheyin.common.numbering import allocate
from sheyin.institutions.models import Outlet
from sheyin.notices.models import PublicNotice
from sheyin.notices.services import notice_publish
from sheyin.notifications.models import Notification

from .. import selectors
from ..models import (
    Agreement,
    Filing,
    Plaque,
)
from ..workflow import (
    FILING,
    OUTLET,
    AgreementStatus,
    FilingStatus,
    TransitionError,
)
from .base import (
    BA,
    DA,
    DO,
    MA,
    MO,
    OM,
    apply_transition,
    audit_step,
    close_todos,
    local_today,
    page_url,
    people,
    require_reason,
    tell,
    timeline_event,
)
from .opening import opening_check_open


def filing_submit(*, agreement: Agreement, note: str = "", by: Any) -> Filing:
    require(by, "cooperation.submit_filing")
    require_scope(by, agreement)
    with transaction.atomic():
        ag = (
            Agreement.objects.select_for_update(of=("self",))
            .select_related("outlet", "agency")
            .get(pk=agreement.pk)
        )
        if ag.kind != Agreement.Kind.DISTRICT or ag.status != AgreementStatus.ACTIVE or ag.filing_due is None:
            raise TransitionError(_("只有已签署生效的区级协议才能报市级备案。"))
        if ag.filings.filter(status__in=[FilingStatus.SUBMITTED, FilingStatus.APPROVED]).exists():
            raise TransitionError(_("该协议已报送备案，不能重复报送。"))
        assert ag.outlet is not None
        filing = Filing.objects.create(
            agreement=ag,
            outlet=ag.outlet,
            district=ag.agency,
            due_date=ag.filing_due,
            note=note.strip(),
            submitted_by=by,
            submitted_at=timezone.now(),
        )
        late = filing.submitted_at.date() > ag.filing_due
        timeline_event(
            "filing.submit", by=by, outlet=ag.outlet, obj=filing, detail=_("逾期报送") if late else ""
        )
        audit_step("filing.submit", by=by, obj=filing, after={"agreement": ag.number, "late": late})
        tell(
            people([MO, MA], exclude=by),
            _("区级协议 %(n)s 待备案审核") % {"n": ag.number},
            page_url("agreement_detail", ag.pk),
        )
    return filing


def filing_check(*, filing: Filing, approve: bool, reason: str = "", by: Any) -> Filing:
    """The checker must not be the maker; a rejection is recorded and the district files again."""
    require(by, "cooperation.check_filing")
    require_scope(by, filing)
    reason = reason.strip() if approve else require_reason(reason)
    with transaction.atomic():
        f = (
            Filing.objects.select_for_update(of=("self",))
            .select_related("agreement", "outlet", "district")
            .get(pk=filing.pk)
        )
        action = "approve" if approve else "reject"
        apply_transition(FILING, f, action, by)
        f.checked_by, f.checked_at, f.check_reason = by, timezone.now(), reason
        f.save()
        timeline_event(f"filing.{action}", by=by, outlet=f.outlet, obj=f, detail=reason)
        audit_step(f"filing.{action}", by=by, obj=f, reason=reason, after={"status": f.status})
        title = (
            _("区级协议 %(n)s 已完成市级备案，可颁发标牌") if approve else _("区级协议 %(n)s 备案被退回")
        ) % {"n": f.agreement.number}
        tell(people([DO, DA], agency=f.district), title, page_url("agreement_detail", f.agreement_id))
    return f


def plaque_issue(*, outlet: Outlet, by: Any) -> Plaque:
    """After filing (R4.4): a unique plaque number; the outlet starts operating; a public notice."""
    require(by, "cooperation.issue_plaque")
    require_scope(by, outlet)
    today = local_today()
    with transaction.atomic():
        o = (
            Outlet.objects.select_for_update(of=("self",))
            .select_related("bank", "district")
            .get(pk=outlet.pk)
        )
        ag = selectors.district_agreement_of(o)
        filed = bool(
            ag
            and ag.status == AgreementStatus.ACTIVE
            and ag.filings.filter(status=FilingStatus.APPROVED).exists()
        )
        apply_transition(OUTLET, o, "open", by, {"filing_approved": filed})
        o.save(update_fields=["status", "updated_at"])
        assert ag is not None  # guaranteed by the filing guard
        close_todos(ag)  # the district's "filed, issue the plaque" to-do
        plaque = Plaque.objects.create(
            number=allocate(Plaque, "number", f"BJSY{today.year}", 5),
            outlet=o,
            agreement=ag,
            issued_on=today,
            issued_by=by,
        )
        notice = notice_publish(
            kind=PublicNotice.Kind.OUTLET_OPENED,
            title=_("关于新设社保服务合作网点“%(name)s”的公告") % {"name": o.name},
            body=_(
                "经%(district)s社会保险经办机构验收并报市级备案，%(bank)s%(name)s（地址：%(address)s）自%(date)s起"
                "作为社保服务合作网点对外提供社会保险服务，标牌编号%(number)s。"
            )
            % {
                "district": o.district.district_name,
                "bank": o.bank.name,
                "name": o.name,
                "address": o.address,
                "date": f"{today:%Y年%m月%d日}",
                "number": plaque.number,
            },
            by=by,
            related=o,
        )
        # R3.2, R9.1, R7.3: what could not be checked before opening is checked within N working days.
        opening_check_open(outlet=o, plaque=plaque, issued_on=today, by=by)
        timeline_event("plaque.issue", by=by, outlet=o, obj=plaque, detail=plaque.number)
        timeline_event("notice.publish", by=by, outlet=o, obj=notice, detail=notice.title)
        audit_step("plaque.issue", by=by, obj=plaque, after={"number": plaque.number, "outlet": o.code})
        audit_step("outlet.open", by=by, obj=o, after={"status": o.status})
        tell(
            people([BA], bank=o.bank) | people([OM], outlet=o),
            _("%(name)s已获颁标牌 %(n)s，开始运营") % {"name": o.name, "n": plaque.number},
            page_url("outlet_lifecycle", o.pk),
            Notification.Kind.INFO,
        )
    return plaque
