"""Changes to an accepted, operating or suspended outlet's facts (R3.1, R8.4, R4.2): the change request.

The facts a rule depends on — place (coordinates, address), district, name, floor area, windows,
terminals, online counters, document cameras, card machines — change after acceptance only here. The bank
or the outlet asks; the district decides (maker–checker, the CHANGE_REQUEST table). A move is checked
against the layout again, under the same city-wide serialisation as acceptance, and a move inside the
minimum distance needs the municipal center's layout exception first. Equipment is checked against the
three modes (R3.1, R2.1–R2.3). A move into another district is refused with the route to take (decision
record 0114): the district agreement is with that district's agency, so the outlet ends its cooperation
where it is and applies afresh in the other district.

Contact details and opening hours stay directly editable (`institutions.services.outlet_update`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.permissions import require, require_scope
from sheyin.accounts.scope import assignments_of
from sheyin.common import geo
from sheyin.common.db import serialise
from sheyin.common.numbering import allocate
from sheyin.institutions import services as registry
from sheyin.institutions.models import Branch, Outlet, OutletStatus
from sheyin.notifications.models import Notification

from .. import layout, selectors
from ..models import OutletChangeRequest
from ..workflow import CHANGE_REQUEST, ChangeRequestStatus, TransitionError
from .base import (
    BA,
    DA,
    DO,
    LAYOUT_LOCK,
    MA,
    MO,
    OM,
    apply_transition,
    audit_step,
    local_today,
    page_url,
    people,
    require_reason,
    roles_of,
    tell,
    timeline_event,
)

# What a change request may change (the district is listed so that a move into another district is
# refused with its route, not ignored).
CHANGE_FIELDS = list(registry.FACT_FIELDS)
FK_FIELDS = {"branch", "district"}
LIVE = (OutletStatus.ACCEPTED, OutletStatus.OPERATING, OutletStatus.SUSPENDED)


def _plain(field: str, value: Any) -> Any:
    """The stored form of a value: a primary key for a relation, a float for coordinates."""
    if field in FK_FIELDS:
        return getattr(value, "pk", value)
    if field in ("lon", "lat") and value is not None:
        return float(value)
    if isinstance(value, str):
        return value.strip()
    return value


def _text(field: str, value: Any) -> str:
    if value is None or value == "" or (field == "floor_area_m2" and not value):
        return "—"
    if field == "branch":
        branch = Branch.objects.filter(pk=value).first()
        return branch.name if branch is not None else "—"
    if field == "district":
        from sheyin.institutions.models import Agency

        agency = Agency.objects.filter(pk=value).first()
        return agency.district_name if agency is not None else "—"
    if field in ("lon", "lat"):
        return f"{float(value):.6f}"
    return str(value)


def _current(outlet: Outlet, field: str) -> Any:
    return _plain(field, getattr(outlet, f"{field}_id" if field in FK_FIELDS else field))


def _diff(outlet: Outlet, asked: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for field in CHANGE_FIELDS:
        if field not in asked:
            continue
        before = _current(outlet, field)
        after = _plain(field, asked[field])
        if after != before:
            rows.append(
                {
                    "field": field,
                    "label": registry.outlet_field_label(field),
                    "from": before,
                    "to": after,
                    "from_text": _text(field, before),
                    "to_text": _text(field, after),
                }
            )
    return rows


def _candidate(outlet: Outlet, rows: list[dict[str, Any]]) -> Outlet:
    """The outlet as it would be with the change (unsaved; for validation)."""
    candidate = Outlet.objects.select_related("district", "bank").get(pk=outlet.pk)
    for row in rows:
        attr = f"{row['field']}_id" if row["field"] in FK_FIELDS else row["field"]
        setattr(candidate, attr, row["to"])
    if any(r["field"] == "branch" for r in rows):
        candidate.branch = (
            Branch.objects.filter(pk=candidate.branch_id).first() if candidate.branch_id else None
        )
    return candidate


def change_errors(outlet: Outlet, rows: list[dict[str, Any]]) -> dict[str, str]:
    """Everything wrong with a change, all at once: the registry's invariants, the route for a move into
    another district, the three modes (R3.1)."""
    errors: dict[str, str] = {}
    fields = {r["field"] for r in rows}
    route = _(
        "网点不能跨区迁移：区级合作协议由所在区经办机构签订。请先在%(district)s办理终止合作，"
        "再向新址所在区提出网点设立申请。"
    ) % {"district": outlet.district.district_name}
    if "district" in fields:
        errors["district"] = route
    candidate = _candidate(outlet, rows)
    if {"lon", "lat"} & fields and geo.valid_coordinates(candidate.lon, candidate.lat):
        found = geo.district_of(candidate.lon, candidate.lat)
        if found is not None and found != outlet.district.code:
            errors["lon"] = route
    moved = bool({"lon", "lat"} & fields)
    for key, message in registry.outlet_errors(candidate).items():
        if key in fields or (moved and key in ("district", "lon")):
            errors.setdefault("lon" if key == "district" else key, message)
    for key, message in selectors.modes_problems(selectors.equipment_of(candidate)).items():
        if key in fields:
            errors.setdefault(key, _("变更后不符合要求：%(rule)s。") % {"rule": message})
    return errors


def change_request_errors(*, outlet: Outlet, changes: dict[str, Any]) -> dict[str, str]:
    """The errors `outlet_change_request_create` would find in these values (for a form that could not
    parse everything: its other errors show in the same round)."""
    rows = _diff(outlet, changes)
    return change_errors(outlet, rows) if rows else {}


def outlet_change_request_create(
    *, outlet: Outlet, changes: dict[str, Any], reason: str, by: Any
) -> OutletChangeRequest:
    """The bank or the outlet (or the district) asks to change facts a rule depends on. Everything wrong is
    refused in one round, and nothing is written."""
    require(by, "cooperation.request_change")
    require_scope(by, outlet)
    with transaction.atomic():
        o = (
            Outlet.objects.select_for_update(of=("self",))
            .select_related("district", "bank")
            .get(pk=outlet.pk)
        )
        if o.status == OutletStatus.APPLYING:
            raise TransitionError(_("网点尚在申请中，请在网点设立申请中修改（草稿或退回补正时）。"))
        if o.status not in LIVE:
            raise TransitionError(_("该网点已终止合作，不能再变更。"))
        rows = _diff(o, changes)
        errors: dict[str, str] = {}
        if not (reason or "").strip():
            errors["reason"] = _("请填写变更说明。")
        if not rows:
            errors["__all__"] = _("没有需要变更的内容：所填信息与网点现有信息相同。")
        else:
            errors.update(change_errors(o, rows))
        if selectors.open_change_requests(OutletChangeRequest.objects.filter(outlet=o)).exists():
            errors["__all__"] = _("该网点已有待审批的变更申请，请等待审批结果或撤回后重新申请。")
        if errors:
            raise ValidationError(errors)
        cr = OutletChangeRequest(
            number=allocate(
                OutletChangeRequest, "number", f"WDBG-{o.district.code}-{local_today().year}-", 4
            ),
            outlet=o,
            bank=o.bank,
            district=o.district,
            changes=rows,
            reason=reason.strip(),
            requested_by=by if getattr(by, "pk", None) else None,
        )
        result = selectors.change_layout(cr)
        if result is not None:
            cr.layout_result, cr.layout_checked_at = result.as_json(), timezone.now()
        try:
            with transaction.atomic():
                cr.save()
        except IntegrityError as exc:  # two requests for one outlet at the same moment
            raise TransitionError(_("该网点已有待审批的变更申请，请等待审批结果或撤回后重新申请。")) from exc
        summary = "；".join(f"{r['label']}：{r['from_text']} → {r['to_text']}" for r in rows)
        timeline_event("change_request.create", by=by, outlet=o, obj=cr, detail=summary)
        audit_step("change_request.create", by=by, obj=cr, reason=cr.reason, after={"changes": rows})
        tell(
            people([DO, DA], agency=o.district, exclude=by),
            _("%(name)s提出网点信息变更申请 %(n)s") % {"name": o.name, "n": cr.number},
            page_url("change_request_detail", cr.pk),
        )
    return cr


def _locked(cr: OutletChangeRequest) -> OutletChangeRequest:
    return (
        OutletChangeRequest.objects.select_for_update(of=("self",))
        .select_related("outlet", "outlet__district", "district", "bank")
        .get(pk=cr.pk)
    )


def _layout_context(cr: OutletChangeRequest, result: layout.LayoutResult | None) -> dict[str, Any]:
    if result is None:
        return {"layout_violations": [], "layout_exception_approved": False}
    keys = selectors.violation_keys(result)
    return {
        "layout_violations": result.violation_texts(),
        "layout_exception_approved": bool(keys) and keys <= set(cr.layout_covered or []),
    }


def outlet_change_request_approve(
    *, change_request: OutletChangeRequest, reason: str = "", by: Any
) -> OutletChangeRequest:
    """The district approves: the outlet's facts change at once. A move is checked against the layout
    under the city-wide layout lock, like an acceptance (R8.4), so two moves or a move and an acceptance
    at the same moment cannot both come closer than the minimum distance."""
    require(by, "cooperation.decide_change")
    require_scope(by, change_request)
    with transaction.atomic():
        if change_request.moves:
            serialise(LAYOUT_LOCK)  # before the layout is read
        cr = _locked(change_request)
        o = Outlet.objects.select_for_update(of=("self",)).select_related("district").get(pk=cr.outlet_id)
        stale = [r["label"] for r in cr.changes if _current(o, r["field"]) != r["from"]]
        result = selectors.change_layout(cr)
        ctx = {
            "outlet_status": o.status,
            "stale": stale,
            "modes_problems": list(
                selectors.modes_problems(selectors.equipment_of(o, selectors.change_target(cr))).values()
            ),
            **_layout_context(cr, result),
        }
        before = cr.status
        apply_transition(CHANGE_REQUEST, cr, "approve", by, ctx)
        errors = change_errors(o, cr.changes)
        if errors:
            raise ValidationError(errors)
        data = {}
        for r in cr.changes:
            value = r["to"]
            if r["field"] == "branch":
                value = Branch.objects.filter(pk=value).first() if value else None
            data[r["field"]] = value
        registry.outlet_facts_set(outlet=o, data=data, by=by, reason=cr.number)
        if result is not None:
            cr.layout_result, cr.layout_checked_at = result.as_json(), timezone.now()
        cr.decided_by = by if getattr(by, "pk", None) else None
        cr.decided_at, cr.decision_reason = timezone.now(), (reason or "").strip()
        cr.save()
        timeline_event("change_request.approve", by=by, outlet=o, obj=cr, detail=cr.decision_reason)
        audit_step(
            "change_request.approve",
            by=by,
            obj=cr,
            reason=cr.decision_reason,
            before={"status": before},
            after={"status": cr.status, "changes": cr.changes},
        )
        _tell_requester(cr, _("网点信息变更申请 %(n)s 已批准，变更已生效") % {"n": cr.number})
    return cr


def _tell_requester(cr: OutletChangeRequest, title: str) -> None:
    tell(
        people([BA], bank=cr.bank) | people([OM], outlet=cr.outlet),
        title,
        page_url("change_request_detail", cr.pk),
        Notification.Kind.INFO,
    )


def _step(
    cr_: OutletChangeRequest,
    action: str,
    perm: str,
    by: Any,
    reason: str = "",
    ctx: dict[str, Any] | None = None,
) -> OutletChangeRequest:
    require(by, perm)
    require_scope(by, cr_)
    with transaction.atomic():
        cr = _locked(cr_)
        before = cr.status
        apply_transition(CHANGE_REQUEST, cr, action, by, ctx)
        now = timezone.now()
        if action in ("reject",):
            cr.decided_by = by if getattr(by, "pk", None) else None
            cr.decided_at, cr.decision_reason = now, reason
        elif action in ("approve_layout", "reject_layout"):
            cr.layout_decided_by = by if getattr(by, "pk", None) else None
            cr.layout_decided_at, cr.layout_decision_reason = now, reason
            if action == "approve_layout":
                result = selectors.change_layout(cr)
                cr.layout_covered = sorted(selectors.violation_keys(result)) if result is not None else []
        elif action == "withdraw":
            cr.decision_reason = reason
        cr.save()
        timeline_event(f"change_request.{action}", by=by, outlet=cr.outlet, obj=cr, detail=reason)
        audit_step(
            f"change_request.{action}",
            by=by,
            obj=cr,
            reason=reason,
            before={"status": before},
            after={"status": cr.status},
        )
        url = page_url("change_request_detail", cr.pk)
        if action == "reject":
            _tell_requester(cr, _("网点信息变更申请 %(n)s 未获批准") % {"n": cr.number})
        elif action == "approve_layout":
            tell(
                people([DA], agency=cr.district),
                _("迁址布局例外已批准，请审核变更申请 %(n)s") % {"n": cr.number},
                url,
            )
        elif action == "reject_layout":
            _tell_requester(cr, _("迁址布局例外未获批准，变更申请 %(n)s 未通过") % {"n": cr.number})
            tell(
                people([DA, DO], agency=cr.district), _("迁址布局例外未获批准：%(n)s") % {"n": cr.number}, url
            )
    return cr


def outlet_change_request_reject(
    *, change_request: OutletChangeRequest, reason: str, by: Any
) -> OutletChangeRequest:
    return _step(change_request, "reject", "cooperation.decide_change", by, require_reason(reason))


BANK_SIDE = {BA, OM}


def change_request_same_side(cr: OutletChangeRequest, by: Any) -> bool:
    """Whether `by` speaks for the side that asked (the bank and its outlet, or the district): only that
    side withdraws a request."""
    if by is None or cr.requested_by_id is None or cr.requested_by_id == by.pk:
        return True
    asker = {a.role for a in assignments_of(cr.requested_by)}
    return bool(asker & BANK_SIDE) == bool(roles_of(by) & BANK_SIDE)


def outlet_change_request_withdraw(
    *, change_request: OutletChangeRequest, reason: str, by: Any
) -> OutletChangeRequest:
    ctx = {"same_side": change_request_same_side(change_request, by)}
    return _step(change_request, "withdraw", "cooperation.request_change", by, require_reason(reason), ctx)


def outlet_change_request_justify_layout(
    *, change_request: OutletChangeRequest, justification: str, by: Any
) -> OutletChangeRequest:
    """The district explains why the new site may sit inside the minimum distance; the municipal center
    decides (R8.4), as for a new outlet."""
    justification = require_reason(justification, "justification")
    require(by, "cooperation.justify_layout")
    require_scope(by, change_request)
    with transaction.atomic():
        cr = _locked(change_request)
        result = selectors.change_layout(cr)
        before = cr.status
        apply_transition(CHANGE_REQUEST, cr, "justify_layout", by, _layout_context(cr, result))
        assert result is not None  # the guard refuses a request without violations
        cr.layout_result, cr.layout_checked_at = result.as_json(), timezone.now()
        cr.layout_justification = justification
        cr.layout_requested_by = by if getattr(by, "pk", None) else None
        cr.layout_requested_at = timezone.now()
        cr.save()
        timeline_event("change_request.justify_layout", by=by, outlet=cr.outlet, obj=cr, detail=justification)
        audit_step(
            "change_request.justify_layout",
            by=by,
            obj=cr,
            reason=justification,
            before={"status": before},
            after={"status": cr.status, "violations": result.violation_texts()},
        )
        tell(
            people([MO, MA]),
            _("%(d)s申请迁址布局例外：%(name)s") % {"d": cr.district.district_name, "name": cr.outlet.name},
            page_url("change_request_detail", cr.pk),
        )
    return cr


def outlet_change_request_decide_layout(
    *, change_request: OutletChangeRequest, approve: bool, reason: str, by: Any
) -> OutletChangeRequest:
    """The municipal center approves the layout exception (the request goes back to the district, which
    still decides the change) or refuses it (the request ends)."""
    reason = (reason or "").strip() if approve else require_reason(reason)
    return _step(
        change_request,
        "approve_layout" if approve else "reject_layout",
        "cooperation.approve_layout",
        by,
        reason,
    )


def close_open_change_requests(outlet: Outlet, by: Any, reason: str) -> int:
    """A terminated outlet's pending change requests end with it (inside the termination's transaction)."""
    n = 0
    for cr in OutletChangeRequest.objects.select_for_update().filter(
        outlet=outlet, status__in=[ChangeRequestStatus.SUBMITTED, ChangeRequestStatus.LAYOUT_REVIEW]
    ):
        apply_transition(CHANGE_REQUEST, cr, "close", by, system=True)
        cr.decision_reason = reason[:2000]
        cr.save(update_fields=["status", "decision_reason", "updated_at"])
        timeline_event("change_request.close", by=by, outlet=outlet, obj=cr, detail=reason)
        audit_step("change_request.close", by=by, obj=cr, reason=reason, after={"status": cr.status})
        n += 1
    return n
