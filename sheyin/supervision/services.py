"""District oversight writes (R7.2, R7.4, R7.5, R9.4, R9.5, R6.3; Annex 13). Views, commands and jobs
call these. Findings come from inspections, the nightly data-analysis rules, public feedback, rating bursts
and failed appraisals; a finding orders rectification within 10 working days (editable); the outlet answers
with evidence; the district verifies and closes or reopens; overdue orders escalate.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.models import RoleAssignment
from sheyin.accounts.permissions import require, require_scope
from sheyin.accounts.roles import Role
from sheyin.audit.services import record, snapshot
from sheyin.common.crypto import encrypt
from sheyin.common.masking import mask_free_text
from sheyin.common.numbering import allocate
from sheyin.common.uploads import DOCUMENTS, IMAGES, check_upload
from sheyin.institutions.models import Outlet, OutletStatus
from sheyin.institutions.workdays import add_working_days, is_workday
from sheyin.notifications.models import Notification
from sheyin.notifications.services import notify, todos_done

from .models import (
    AnalysisRule,
    Appraisal,
    Consultation,
    ConsultationAction,
    Finding,
    Inspection,
    InspectionPhoto,
    InspectionPlan,
    Rectification,
    RectificationEvidence,
    RectificationRound,
    SelfInspection,
    SupervisionSettings,
    TerminationProposal,
)
from .rules import RULES
from .workflow import (
    FINDING_TRANSITIONS,
    INSPECTION_TRANSITIONS,
    PROPOSAL_TRANSITIONS,
    RECTIFICATION_TRANSITIONS,
    SELF_INSPECTION_TRANSITIONS,
    FindingStatus,
    InspectionStatus,
    ProposalStatus,
    RectificationStatus,
    SelfInspectionStatus,
    find,
)

MAX_FILES = 10


def _users_with(roles: list[str], **org: Any) -> list[Any]:
    return [a.user for a in RoleAssignment.objects.filter(role__in=roles, **org).select_related("user")
            if a.user.is_active]  # fmt: skip


def _files(
    uploads: list[UploadedFile], allowed: tuple[str, ...], field: str
) -> list[tuple[UploadedFile, str]]:
    if len(uploads) > MAX_FILES:
        raise ValidationError({field: _("最多上传%(n)s个文件。") % {"n": MAX_FILES}})
    out = []
    for f in uploads:
        try:
            out.append((f, check_upload(f, allowed)))
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from exc
    return out


# --- findings ----------------------------------------------------------------------------------------


def citizen_text(title: str, detail: str) -> tuple[str, str, str]:
    """What a citizen said (a complaint received by phone, letter, in person or from the 12345 hotline),
    as stored: ID and phone numbers masked in title and detail, and the text as received encrypted (only
    when masking changed it) for the handler to reveal through the reveal service."""
    masked_title, masked_detail = mask_free_text(title), mask_free_text(detail)
    if (masked_title, masked_detail) == (title, detail):
        return title, detail, ""
    return (
        masked_title,
        masked_detail,
        encrypt(json.dumps({"title": title, "detail": detail}, ensure_ascii=False)),
    )


def _create_finding(*, outlet: Outlet, source: str, title: str, detail: str = "", evidence: dict | None = None,
                    severity: str = Finding.Severity.LOW, rule: AnalysisRule | None = None, subject_key: str = "",
                    period: str = "", inspection: Inspection | None = None, external_ref: str = "",
                    original_enc: str = "", by: Any = None) -> Finding:  # fmt: skip
    prefix = f"FX{timezone.localdate():%Y%m%d}"
    f = Finding(source=source, rule=rule, inspection=inspection, outlet=outlet,
                district_id=outlet.district_id, bank_id=outlet.bank_id, subject_key=subject_key[:120],
                period=period[:40], title=title[:200], detail=detail, evidence=evidence or {},
                severity=severity, external_ref=external_ref[:40], original_enc=original_enc,
                created_by=by)  # fmt: skip
    # A second finding for the same rule, subject and period (or the same external reference) is
    # refused by the database; the caller decides what that means.
    with transaction.atomic():
        f.number = allocate(Finding, "number", prefix, 5)
        f.save()
        record(
            action="finding.create",
            by=by,
            obj=f,
            after=snapshot(f, ["source", "title", "severity", "period"]),
        )
        return f


def finding_create(*, outlet: Outlet, source: str, title: str, detail: str = "",
                   severity: str = Finding.Severity.LOW, by: Any) -> Finding:  # fmt: skip
    """A finding recorded by hand (public feedback from the portal, an observation)."""
    require(by, "supervision.manage_findings")
    errors: dict[str, str] = {}
    if source not in (Finding.Source.PUBLIC_FEEDBACK, Finding.Source.INSPECTION):
        errors["source"] = _("手工登记的问题来源只能是群众反映或现场检查。")
    if not title.strip():
        errors["title"] = _("请填写标题。")
    if errors:
        raise ValidationError(errors)
    probe = Finding(outlet=outlet, district_id=outlet.district_id, bank_id=outlet.bank_id)
    require_scope(by, probe)
    original = ""
    title, detail = title.strip(), detail.strip()
    if source == Finding.Source.PUBLIC_FEEDBACK:
        title, detail, original = citizen_text(title, detail)
    with transaction.atomic():
        return _create_finding(outlet=outlet, source=source, title=title, detail=detail, severity=severity,
                               original_enc=original, by=by)  # fmt: skip


def feedback_import(*, rows: list[dict[str, str]], by: Any) -> list[Finding]:
    """12345 hotline complaints (outlet code, reference, date, content) become findings. The whole file is
    validated first; a bad row changes nothing and is reported with its line number (design rule 7)."""
    require(by, "supervision.manage_findings")
    errors: dict[str, list[str]] = {}
    parsed = []
    for i, row in enumerate(rows, start=2):
        code, ref, content = (row.get(k, "").strip() for k in ("outlet_code", "ref", "content"))
        outlet = Outlet.objects.filter(code=code).first()
        problem = None
        if outlet is None:
            problem = _("第%(n)s行：网点编号“%(c)s”不存在。") % {"n": i, "c": code}
        elif not ref or not content:
            problem = _("第%(n)s行：工单编号和反映内容不能为空。") % {"n": i}
        else:
            probe = Finding(outlet=outlet, district_id=outlet.district_id, bank_id=outlet.bank_id)
            if by is not None:
                from sheyin.accounts.scope import covers

                if not covers(by, probe):
                    problem = _("第%(n)s行：网点不在您的辖区内。") % {"n": i}
        if problem or outlet is None:
            errors.setdefault("file", []).append(problem or "")
        else:
            parsed.append((outlet, ref, content))
    if errors:
        raise ValidationError(errors)
    out = []
    with transaction.atomic():
        for outlet, ref, content in parsed:
            if Finding.objects.filter(source=Finding.Source.PUBLIC_FEEDBACK, external_ref=ref[:40]).exists():
                continue  # imported before: idempotent
            # The title is cut from the masked text, so a cut never leaves part of a number readable.
            _title, masked, original = citizen_text("", content)
            out.append(_create_finding(outlet=outlet, source=Finding.Source.PUBLIC_FEEDBACK,
                                       title=_("12345热线反映：%(c)s") % {"c": masked[:60]}, detail=masked,
                                       external_ref=ref, evidence={"hotline_ref": ref}, original_enc=original,
                                       by=by))  # fmt: skip
    return out


def finding_dismiss(*, finding: Finding, reason: str, by: Any) -> Finding:
    require(by, "supervision.manage_findings")
    require_scope(by, finding)
    if not reason.strip():
        raise ValidationError({"reason": _("请说明排除理由。")})
    with transaction.atomic():
        f = Finding.objects.select_for_update().get(pk=finding.pk)
        f.status = find(FINDING_TRANSITIONS, "dismiss", f.status, by, FindingStatus).target
        f.note, f.closed_at = reason.strip()[:300], timezone.now()
        f.save(update_fields=["status", "note", "closed_at"])
        record(action="finding.dismiss", by=by, obj=f, reason=f.note)
        todos_done(urls=[reverse("supervision:finding_detail", args=[f.pk])])
    return f


def rectification_order(
    *, finding: Finding, requirement: str, by: Any, today: dt.date | None = None
) -> Rectification:
    """A finding orders rectification within N working days (default 10, Annex 13)."""
    require(by, "supervision.manage_findings")
    require_scope(by, finding)
    if not requirement.strip():
        raise ValidationError({"requirement": _("请填写整改要求。")})
    today = today or timezone.localdate()
    with transaction.atomic():
        f = Finding.objects.select_for_update().get(pk=finding.pk)
        f.status = find(FINDING_TRANSITIONS, "order", f.status, by, FindingStatus).target
        f.save(update_fields=["status"])
        due = add_working_days(today, SupervisionSettings.current().rectification_working_days)
        r = Rectification.objects.create(finding=f, outlet_id=f.outlet_id, district_id=f.district_id,
                                         bank_id=f.bank_id, requirement=requirement.strip(), ordered_by=by,
                                         due_date=due)  # fmt: skip
        record(action="rectification.order", by=by, obj=r, after={"finding": f.number, "due_date": due})
        url = reverse("supervision:rectification_detail", args=[r.pk])
        todos_done(urls=[reverse("supervision:finding_detail", args=[f.pk])])
        notify(users=_answerers(r),
               title=_("整改通知：%(t)s（期限%(d)s）") % {"t": f.title, "d": due}, url=url,
               kind=Notification.Kind.TASK)  # fmt: skip
    return r


def _answerers(r: Rectification) -> list[Any]:
    """Who may report the fix: the outlet's manager and the bank's admins (R9.4)."""
    return _users_with([Role.OUTLET_MANAGER], outlet_id=r.outlet_id) + _users_with(
        [Role.BANK_ADMIN], bank_id=r.bank_id
    )


def rectification_answer(*, rectification: Rectification, answer: str, evidence: list[UploadedFile] | None = None,
                         by: Any) -> Rectification:  # fmt: skip
    """The outlet answers with what it did and the evidence."""
    require(by, "supervision.answer_rectification")
    require_scope(by, rectification)
    if not answer.strip():
        raise ValidationError({"answer": _("请填写整改情况。")})
    checked = _files(evidence or [], DOCUMENTS, "evidence")
    with transaction.atomic():
        r = Rectification.objects.select_for_update().get(pk=rectification.pk)
        r.status = find(RECTIFICATION_TRANSITIONS, "answer", r.status, by, RectificationStatus).target
        r.answer, r.answered_by, r.answered_at = answer.strip(), by, timezone.now()
        r.save()
        todos_done(urls=[reverse("supervision:rectification_detail", args=[r.pk])])  # the order is answered
        # Each answer is a round of its own: a reopened order keeps what was reported before.
        rnd = RectificationRound.objects.create(rectification=r, number=r.round_set.count() + 1, answer=r.answer,
                                                answered_by=by, answered_at=r.answered_at, due_date=r.due_date)  # fmt: skip
        for f, kind in checked:
            RectificationEvidence.objects.create(rectification=r, round=rnd, name=(f.name or "")[:100], file=f,
                                                 kind=kind, size=f.size or 0, uploaded_by=by)  # fmt: skip
        record(
            action="rectification.answer", by=by, obj=r, after={"files": len(checked), "round": rnd.number}
        )
        if r.ordered_by_id:
            notify(users=[r.ordered_by], title=_("整改情况待核验：%(t)s") % {"t": r.finding.title},
                   url=reverse("supervision:rectification_detail", args=[r.pk]), kind=Notification.Kind.TASK)  # fmt: skip
    return r


def rectification_verify(*, rectification: Rectification, accept: bool, note: str = "", by: Any,
                         today: dt.date | None = None) -> Rectification:  # fmt: skip
    """The district verifies: close the order (and the finding), or reopen it with a new deadline.
    The person who answered cannot verify (maker–checker)."""
    require(by, "supervision.manage_findings")
    require_scope(by, rectification)
    if not accept and not note.strip():
        raise ValidationError({"note": _("退回整改须填写核验意见。")})
    today = today or timezone.localdate()
    with transaction.atomic():
        r = Rectification.objects.select_for_update().get(pk=rectification.pk)
        t = find(
            RECTIFICATION_TRANSITIONS, "close" if accept else "reopen", r.status, by, RectificationStatus
        )
        if by is not None and r.answered_by_id == by.pk:
            raise ValidationError(_("整改报送人不能核验自己的整改。"))
        r.status, r.verified_by, r.verified_at, r.verify_note = (
            t.target,
            by,
            timezone.now(),
            note.strip()[:300],
        )
        rnd = r.round_set.order_by("-number").first()
        if rnd is not None:
            rnd.decision = (
                RectificationRound.Decision.ACCEPTED if accept else RectificationRound.Decision.RETURNED
            )
            rnd.verify_note, rnd.verified_by, rnd.verified_at = r.verify_note, by, r.verified_at
            rnd.save(update_fields=["decision", "verify_note", "verified_by", "verified_at"])
        if accept:
            f = Finding.objects.select_for_update().get(pk=r.finding_id)
            f.status = find(FINDING_TRANSITIONS, "close", f.status, by, FindingStatus).target
            f.closed_at = timezone.now()
            f.save(update_fields=["status", "closed_at"])
        else:
            r.rounds += 1
            r.due_date = add_working_days(today, SupervisionSettings.current().rectification_working_days)
            r.escalated_at = None
        r.save()
        todos_done(urls=[reverse("supervision:rectification_detail", args=[r.pk])])  # the answer is verified
        record(
            action="rectification.close" if accept else "rectification.reopen",
            by=by,
            obj=r,
            reason=r.verify_note,
        )
        if not accept:
            notify(users=_answerers(r),
                   title=_("整改未通过核验，请继续整改（期限%(d)s）") % {"d": r.due_date},
                   url=reverse("supervision:rectification_detail", args=[r.pk]), kind=Notification.Kind.TASK)  # fmt: skip
    return r


def rectifications_escalate(*, today: dt.date | None = None) -> int:
    """Overdue orders (not answered by the deadline) alert the district head and the bank, once per order."""
    today = today or timezone.localdate()
    n = 0
    for pk in Rectification.objects.filter(status=RectificationStatus.ORDERED, due_date__lt=today,
                                           escalated_at__isnull=True).values_list("pk", flat=True):  # fmt: skip
        with transaction.atomic():
            r = Rectification.objects.select_for_update(of=("self",)).select_related("finding").get(pk=pk)
            if r.escalated_at is not None:
                continue
            r.escalated_at = timezone.now()
            r.save(update_fields=["escalated_at"])
            record(action="rectification.escalate", obj=r, after={"due_date": r.due_date})
            notify(users=_users_with([Role.DISTRICT_ADMIN], agency_id=r.district_id)
                   + _users_with([Role.BANK_ADMIN], bank_id=r.bank_id),
                   title=_("整改逾期：%(t)s（期限%(d)s）") % {"t": r.finding.title, "d": r.due_date},
                   url=reverse("supervision:rectification_detail", args=[r.pk]), kind=Notification.Kind.ALERT)  # fmt: skip
            n += 1
    return n


# --- data-analysis rules -----------------------------------------------------------------------------


def rule_update(*, rule: AnalysisRule, enabled: bool, params: dict[str, Any], by: Any) -> AnalysisRule:
    require(by, "supervision.edit_rules")
    spec = RULES.get(rule.code)
    allowed = set(spec.params) | {"window_days"} if spec else set(rule.params)
    unknown = set(params) - allowed
    if unknown:
        raise ValidationError({"params": _("未知参数：%(p)s") % {"p": "、".join(sorted(unknown))}})
    with transaction.atomic():
        r = AnalysisRule.objects.select_for_update().get(pk=rule.pk)
        before = snapshot(r, ["enabled", "params"])
        r.enabled, r.params = enabled, {**r.params, **params}
        r.save(update_fields=["enabled", "params"])
        record(
            action="analysis_rule.update",
            by=by,
            obj=r,
            before=before,
            after=snapshot(r, ["enabled", "params"]),
        )
    return r


def _window(day: dt.date, days: int) -> tuple[dt.datetime, dt.datetime, str]:
    """[start, end) in aware datetimes for the `days` local days ending with `day`, and the period key."""
    tz = timezone.get_current_timezone()
    first = day - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end, (f"{first:%Y-%m-%d}" if days == 1 else f"{first:%Y-%m-%d}~{day:%Y-%m-%d}")


def analysis_run(*, day: dt.date | None = None, codes: list[str] | None = None) -> dict[str, int]:
    """Run every enabled rule for the window ending `day` (default yesterday). Idempotent: a hit already
    recorded for (rule, outlet, subject, period) is not recorded again."""
    day = day or timezone.localdate() - dt.timedelta(days=1)
    vendor = connection.vendor
    created: dict[str, int] = {}
    outlets = {o.pk: o for o in Outlet.objects.all()}
    for rule in AnalysisRule.objects.filter(enabled=True).order_by("code"):
        spec = RULES.get(rule.code)
        if spec is None or (codes and rule.code not in codes):
            continue
        params = {**spec.params, **rule.params}
        start, end, period = _window(day, int(params.get("window_days", spec.window_days)))
        with connection.cursor() as cursor:
            hits = spec.run(cursor, vendor, start, end, params)
        n = 0
        for h in hits:
            outlet = outlets.get(h.outlet_id)
            if outlet is None or Finding.objects.filter(rule=rule, outlet=outlet, subject_key=h.subject_key,
                                                        period=period).exists():  # fmt: skip
                continue
            try:
                with transaction.atomic():
                    _create_finding(outlet=outlet, source=spec.source, rule=rule, subject_key=h.subject_key,
                                    period=period, title=f"{rule.name}：{h.title}", detail=rule.description,
                                    evidence=h.evidence, severity=h.severity)  # fmt: skip
                    n += 1
            except IntegrityError:
                continue  # a concurrent run recorded it
        AnalysisRule.objects.filter(pk=rule.pk).update(last_run_at=timezone.now(), last_hits=len(hits))
        created[rule.code] = n
    return created


# --- inspections (Annex 13) --------------------------------------------------------------------------


def inspection_schedule(*, outlet: Outlet, scheduled_date: dt.date, reason: str = Inspection.Reason.MANUAL,
                        by: Any) -> Inspection:  # fmt: skip
    require(by, "supervision.inspect")
    i = Inspection(outlet=outlet, district_id=outlet.district_id, bank_id=outlet.bank_id, reason=reason,
                   scheduled_date=scheduled_date)  # fmt: skip
    require_scope(by, i)
    with transaction.atomic():
        i.save()
        record(action="inspection.schedule", by=by, obj=i, after={"date": scheduled_date, "reason": reason})
    return i


def inspection_record(*, inspection: Inspection, results: list[dict[str, Any]], notes: str,
                      photos: list[UploadedFile] | None = None, by: Any) -> Inspection:  # fmt: skip
    """The on-site checklist: each item passed or failed with a note; the score is the share passed.
    Each failed item becomes a finding."""
    require(by, "supervision.inspect")
    require_scope(by, inspection)
    if not results:
        raise ValidationError({"results": _("请填写检查项目结果。")})
    for r in results:
        if r.get("result") not in ("pass", "fail") or not r.get("item"):
            raise ValidationError({"results": _("每个检查项目须选择“符合”或“不符合”。")})
        if r["result"] == "fail" and not str(r.get("note", "")).strip():
            raise ValidationError({"results": _("不符合的项目须填写说明：%(i)s") % {"i": r["item"]}})
    checked = _files(photos or [], IMAGES, "photos")
    with transaction.atomic():
        i = Inspection.objects.select_for_update(of=("self",)).select_related("outlet").get(pk=inspection.pk)
        i.status = find(INSPECTION_TRANSITIONS, "record", i.status, by, InspectionStatus).target
        passed = sum(1 for r in results if r["result"] == "pass")
        i.results, i.notes, i.inspector, i.visited_at = results, notes.strip(), by, timezone.now()
        i.score = round(100 * passed / len(results))
        i.save()
        for f, kind in checked:
            InspectionPhoto.objects.create(inspection=i, name=(f.name or "")[:100], file=f, kind=kind,
                                           size=f.size or 0, uploaded_by=by)  # fmt: skip
        record(action="inspection.record", by=by, obj=i, after={"score": i.score})
        for r in results:
            if r["result"] == "fail":
                _create_finding(outlet=i.outlet, source=Finding.Source.INSPECTION, inspection=i,
                                title=_("现场检查不符合：%(i)s") % {"i": r["item"]}, detail=str(r.get("note", "")),
                                evidence={"inspection_id": i.pk, "item": r["item"]}, by=by)  # fmt: skip
    return i


def self_inspection_submit(
    *, period: str, results: list[dict[str, Any]], summary: str, by: Any
) -> SelfInspection:
    """A bank files its periodic self-inspection report (R7.4)."""
    require(by, "supervision.self_inspect")
    from sheyin.accounts.scope import assignments_of

    bank_id = next((a.bank_id for a in assignments_of(by) if a.bank_id), None)
    if bank_id is None:
        raise ValidationError(_("您的账号未关联银行，不能报送自查报告。"))
    errors: dict[str, str] = {}
    if not period.strip():
        errors["period"] = _("请填写自查期间。")
    if not summary.strip():
        errors["summary"] = _("请填写自查总结。")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            s = SelfInspection.objects.create(bank_id=bank_id, period=period.strip()[:20], results=results,
                                              summary=summary.strip(), submitted_by=by)  # fmt: skip
            record(action="self_inspection.submit", by=by, obj=s)
    except IntegrityError as exc:
        raise ValidationError({"period": _("该期间的自查报告已报送。")}) from exc
    return s


def self_inspection_review(
    *, report: SelfInspection, accept: bool, note: str = "", by: Any
) -> SelfInspection:
    require(by, "supervision.review_self_inspection")
    require_scope(by, report)
    if not accept and not note.strip():
        raise ValidationError({"note": _("退回须填写审阅意见。")})
    with transaction.atomic():
        s = SelfInspection.objects.select_for_update().get(pk=report.pk)
        t = find(
            SELF_INSPECTION_TRANSITIONS, "accept" if accept else "return", s.status, by, SelfInspectionStatus
        )
        s.status, s.reviewed_by, s.reviewed_at, s.review_note = (
            t.target,
            by,
            timezone.now(),
            note.strip()[:300],
        )
        s.save()
        record(action="self_inspection.review", by=by, obj=s, after={"status": s.status})
    return s


def consultation_record(*, agency: Any, title: str, held_at: dt.datetime, attendees: str, minutes: str = "",
                        decisions: str = "", bank: Any = None, actions: list[dict[str, Any]] | None = None,
                        by: Any) -> Consultation:  # fmt: skip
    """Minutes of a consultation (会商, R7.5) with its follow-up actions."""
    require(by, "supervision.consult")
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("请填写会商主题。")
    if not attendees.strip():
        errors["attendees"] = _("请填写参会人员。")
    if errors:
        raise ValidationError(errors)
    c = Consultation(agency=agency, bank=bank, title=title.strip()[:100], held_at=held_at,
                     attendees=attendees.strip(), minutes=minutes.strip(), decisions=decisions.strip(),
                     created_by=by)  # fmt: skip
    require_scope(by, c)
    with transaction.atomic():
        c.save()
        for a in actions or []:
            ConsultationAction.objects.create(consultation=c, description=a["description"][:200],
                                              owner=a.get("owner", "")[:60], due_date=a["due_date"])  # fmt: skip
        record(action="consultation.record", by=by, obj=c)
    return c


def consultation_action_done(*, action: ConsultationAction, note: str, by: Any) -> ConsultationAction:
    require(by, "supervision.consult")
    require_scope(by, action.consultation)
    if action.done_at is not None:
        raise ValidationError(_("该事项已完成。"))
    with transaction.atomic():
        action.done_at, action.done_note = timezone.now(), note.strip()[:300]
        action.save(update_fields=["done_at", "done_note"])
        record(action="consultation.action_done", by=by, obj=action)
    return action


# --- termination proposals (R6.3) --------------------------------------------------------------------


def proposal_forward(*, proposal: TerminationProposal, reason: str, by: Any) -> TerminationProposal:
    """The district admin starts unilateral termination in the lifecycle (ground: failed appraisal)."""
    require(by, "supervision.decide_termination")
    require_scope(by, proposal)
    from sheyin.cooperation.services import termination_propose

    with transaction.atomic():
        p = (
            TerminationProposal.objects.select_for_update(of=("self",))
            .select_related("outlet")
            .get(pk=proposal.pk)
        )
        t = find(PROPOSAL_TRANSITIONS, "forward", p.status, by, ProposalStatus)
        today = timezone.localdate()
        term = termination_propose(outlet=p.outlet, kind="unilateral", ground="failed_appraisal",
                                   reason=reason or _("连续两年考核不合格"), notice_date=today,
                                   effective_date=today + dt.timedelta(days=30), by=by)  # fmt: skip
        p.status, p.termination_id, p.decided_by, p.decided_at = t.target, term.pk, by, timezone.now()
        p.note = reason[:300]
        p.save()
        record(action="termination_proposal.forward", by=by, obj=p, after={"termination": term.pk})
    return p


def proposal_dismiss(*, proposal: TerminationProposal, reason: str, by: Any) -> TerminationProposal:
    require(by, "supervision.decide_termination")
    require_scope(by, proposal)
    if not reason.strip():
        raise ValidationError({"reason": _("请说明不予终止的理由。")})
    with transaction.atomic():
        p = TerminationProposal.objects.select_for_update().get(pk=proposal.pk)
        p.status = find(PROPOSAL_TRANSITIONS, "dismiss", p.status, by, ProposalStatus).target
        p.decided_by, p.decided_at, p.note = by, timezone.now(), reason.strip()[:300]
        p.save()
        record(action="termination_proposal.dismiss", by=by, obj=p, reason=p.note)
    return p


# --- inspection plans (Annex 13: each operating outlet on site at least once a quarter) ---------------


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, 3 * quarter - 2, 1)
    nxt = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def outlet_risk(outlet_ids: list[int], *, as_of: dt.date) -> dict[int, int]:
    """A risk score per outlet: open findings (10 each), bad reviews in the last 90 days (2 each) and the
    latest appraisal (fail 30, pass 10). Aggregated in SQL, one query per source."""
    from django.db.models import Count

    score = dict.fromkeys(outlet_ids, 0)
    open_f = (Finding.objects.filter(outlet_id__in=outlet_ids, status__in=[FindingStatus.OPEN, FindingStatus.RECTIFYING])
              .values("outlet_id").annotate(n=Count("id")))  # fmt: skip
    for row in open_f:
        score[row["outlet_id"]] += 10 * row["n"]
    try:
        from sheyin.ratings.models import BAD_LEVEL_MAX, Rating
    except ImportError:  # ratings not installed: no review signal
        pass
    else:
        since = dt.datetime.combine(
            as_of - dt.timedelta(days=90), dt.time.min, tzinfo=timezone.get_current_timezone()
        )
        bad = (Rating.objects.filter(outlet_id__in=outlet_ids, level__lte=BAD_LEVEL_MAX, created_at__gte=since)
               .values("outlet_id").annotate(n=Count("id")))  # fmt: skip
        for row in bad:
            score[row["outlet_id"]] += 2 * row["n"]
    seen: set[int] = set()
    for a in Appraisal.objects.filter(outlet_id__in=outlet_ids).order_by("outlet_id", "-year", "-quarter"):
        if a.outlet_id in seen:
            continue
        seen.add(a.outlet_id)
        score[a.outlet_id] += {Appraisal.Grade.FAIL: 30, Appraisal.Grade.PASS: 10}.get(a.grade, 0)  # type: ignore[call-overload]
    return score


def inspection_plan_generate(*, district: Any, year: int, quarter: int, risk_share: int = 50, by: Any,
                             seed: str | None = None, today: dt.date | None = None) -> InspectionPlan:  # fmt: skip
    """The quarterly plan: every operating outlet of the district gets one visit. The riskiest share (by
    open findings, bad reviews and a low appraisal) is visited first; the rest are drawn in a seeded random
    order (reproducible: the same district and quarter give the same draw) over the remaining working days.
    Inspectors are assigned in turn. Generating again adds outlets that started operating since."""
    require(by, "supervision.plan_inspections")
    errors: dict[str, str] = {}
    if quarter not in (1, 2, 3, 4):
        errors["quarter"] = _("季度须为1至4。")
    if not 2020 <= year <= 2100:
        errors["year"] = _("请填写正确的年度。")
    if not 0 <= risk_share <= 100:
        errors["risk_share"] = _("风险优先比例须在0至100之间。")
    if errors:
        raise ValidationError(errors)
    plan = InspectionPlan(district=district, year=year, quarter=quarter, risk_share=risk_share, created_by=by)
    require_scope(by, plan)
    today = today or timezone.localdate()
    first, last = quarter_bounds(year, quarter)
    if last < today:
        raise ValidationError({"quarter": _("该季度已结束，不能再编制检查计划。")})
    start = max(first, today)
    days = [start + dt.timedelta(days=i) for i in range((last - start).days + 1)]
    days = [d for d in days if is_workday(d)] or [last]
    rng = random.Random(seed or f"{district.pk}-{year}-Q{quarter}")  # a reproducible draw, not a secret
    inspectors = sorted((u for u in _users_with([Role.DISTRICT_INSPECTOR], agency_id=district.pk)),
                        key=lambda u: u.pk)  # fmt: skip
    with transaction.atomic():
        existing = InspectionPlan.objects.select_for_update().filter(district=district, year=year,
                                                                     quarter=quarter).first()  # fmt: skip
        if existing is not None:
            plan = existing
        else:
            plan.save()
        planned = set(plan.inspections.values_list("outlet_id", flat=True))
        outlets = list(Outlet.objects.filter(district=district, status=OutletStatus.OPERATING)
                       .exclude(pk__in=planned).order_by("pk"))  # fmt: skip
        risk = outlet_risk([o.pk for o in outlets], as_of=today)
        n_risk = math.ceil(len(outlets) * plan.risk_share / 100)
        ranked = sorted((o for o in outlets if risk[o.pk] > 0), key=lambda o: (-risk[o.pk], o.pk))[:n_risk]
        chosen = {o.pk for o in ranked}
        rest = [o for o in outlets if o.pk not in chosen]
        rng.shuffle(rest)
        # Risky outlets in the first third of the remaining working days, in order of risk; the random
        # draw spread over the whole period.
        early = days[: max(1, len(days) // 3)]
        visits: list[tuple[Outlet, str, dt.date]] = []
        for i, o in enumerate(ranked):
            visits.append((o, Inspection.Reason.RISK, early[i * len(early) // max(1, len(ranked))]))
        for i, o in enumerate(rest):
            visits.append((o, Inspection.Reason.RANDOM, days[i * len(days) // max(1, len(rest))]))
        offset = plan.inspections.count()
        for i, (o, reason, day) in enumerate(visits):
            Inspection.objects.create(plan=plan, outlet=o, district_id=o.district_id, bank_id=o.bank_id,
                                      reason=reason, risk_score=risk[o.pk], scheduled_date=day,
                                      inspector=inspectors[(offset + i) % len(inspectors)] if inspectors else None)  # fmt: skip
        record(action="inspection_plan.generate", by=by, obj=plan,
               after={"added": len(visits), "risk": len(ranked), "random": len(rest)})  # fmt: skip
    return plan


def inspection_assign(
    *, inspection: Inspection, inspector: Any, scheduled_date: dt.date, by: Any
) -> Inspection:
    """Change who visits and when (before the visit)."""
    require(by, "supervision.plan_inspections")
    require_scope(by, inspection)
    if (
        inspector is not None
        and not RoleAssignment.objects.filter(
            user=inspector,
            role__in=[Role.DISTRICT_INSPECTOR, Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN],
            agency_id=inspection.district_id,
        ).exists()
    ):
        raise ValidationError({"inspector": _("检查人须为本区经办机构人员。")})
    with transaction.atomic():
        i = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if i.status != InspectionStatus.PLANNED:
            raise ValidationError(_("已检查的项目不能再调整。"))
        before = snapshot(i, ["inspector_id", "scheduled_date"])
        i.inspector, i.scheduled_date = inspector, scheduled_date
        i.save(update_fields=["inspector", "scheduled_date"])
        record(action="inspection.assign", by=by, obj=i, before=before,
               after=snapshot(i, ["inspector_id", "scheduled_date"]))  # fmt: skip
    return i


# --- settings ----------------------------------------------------------------------------------------

SETTINGS_FIELDS = ("rectification_working_days", "weight_ratings", "weight_inspections", "weight_findings",
                   "weight_archives", "weight_tickets", "finding_penalty", "grade_excellent", "grade_good",
                   "grade_pass", "min_ratings", "min_cases", "min_coverage")  # fmt: skip
# The appraisal's data thresholds are counts, not points: their own upper bounds.
SETTINGS_LIMITS = {"min_ratings": 10_000, "min_cases": 100_000}


def supervision_settings_update(*, by: Any, **values: int) -> SupervisionSettings:
    """The municipal center edits deadlines, appraisal weights and grade lines (audited)."""
    require(by, "supervision.edit_settings")
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(_("未知设置项：%(p)s") % {"p": "、".join(sorted(unknown))})
    errors: dict[str, str] = {}
    for k, v in values.items():
        top = SETTINGS_LIMITS.get(k, 100)
        if not isinstance(v, int) or isinstance(v, bool) or v < 0 or v > top:
            errors[k] = _("请填写0至%(n)s之间的整数。") % {"n": top}
    if values.get("rectification_working_days") == 0:
        errors["rectification_working_days"] = _("整改时限至少1个工作日。")
    with transaction.atomic():
        s = SupervisionSettings.objects.select_for_update().get(pk=SupervisionSettings.current().pk)
        before = snapshot(s, list(SETTINGS_FIELDS))
        for k, v in values.items():
            setattr(s, k, v)
        if sum(s.weights.values()) != 100:
            errors["weight_ratings"] = _("五项权重之和须为100（当前%(n)s）。") % {
                "n": sum(s.weights.values())
            }
        if not s.grade_excellent > s.grade_good > s.grade_pass:
            errors["grade_excellent"] = _("分数线须满足：优秀 > 良好 > 合格。")
        if errors:
            raise ValidationError(errors)
        s.save()
        record(action="supervision_settings.update", by=by, obj=s, before=before,
               after=snapshot(s, list(SETTINGS_FIELDS)))  # fmt: skip
    return s


# --- self-inspection resubmission and consultation actions --------------------------------------------


def self_inspection_resubmit(*, report: SelfInspection, results: list[dict[str, Any]], summary: str,
                             by: Any) -> SelfInspection:  # fmt: skip
    """A returned report is completed and filed again (the same period: one report per bank and period)."""
    require(by, "supervision.self_inspect")
    require_scope(by, report)
    if not summary.strip():
        raise ValidationError({"summary": _("请填写自查总结。")})
    with transaction.atomic():
        s = SelfInspection.objects.select_for_update().get(pk=report.pk)
        s.status = find(SELF_INSPECTION_TRANSITIONS, "resubmit", s.status, by, SelfInspectionStatus).target
        s.results, s.summary, s.submitted_by, s.submitted_at = results, summary.strip(), by, timezone.now()
        s.save()
        record(action="self_inspection.resubmit", by=by, obj=s)
    return s


def consultation_action_add(*, consultation: Consultation, description: str, owner: str, due_date: dt.date | None,
                            by: Any) -> ConsultationAction:  # fmt: skip
    require(by, "supervision.consult")
    require_scope(by, consultation)
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = _("请填写跟进事项。")
    if not owner.strip():
        errors["owner"] = _("请填写责任方。")
    if due_date is None:
        errors["due_date"] = _("请填写完成期限。")
    if errors or due_date is None:
        raise ValidationError(errors)
    with transaction.atomic():
        a = ConsultationAction.objects.create(consultation=consultation, description=description.strip()[:200],
                                              owner=owner.strip()[:60], due_date=due_date)  # fmt: skip
        record(action="consultation.action_add", by=by, obj=a)
    return a
