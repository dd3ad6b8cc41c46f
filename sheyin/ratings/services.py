"""Writes for 好差评 (R9.5): issuing rating tokens, rating once per service, handling bad reviews, settings,
and the one re-invitation of unrated cases. Every write: atomic, permission, invariants, audit, on_commit."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from django.conf import settings as dj_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from sheyin.accounts.permissions import require, require_scope
from sheyin.audit.services import record
from sheyin.catalogue.choices import Channel
from sheyin.common.crypto import blind_index, encrypt
from sheyin.common.masking import mask_free_text, mask_phone
from sheyin.common.uploads import check_upload
from sheyin.institutions.workdays import add_working_days

from . import codes, statistics
from .models import BAD_LEVEL_MAX, BadReviewCase, BadReviewStep, Rating, RatingSettings, RatingToken
from .workflow import BAD_REVIEW, BadReviewStatus, find

logger = logging.getLogger(__name__)

# The one overall question is `level` (整体满意度); these are asked after it.
INDICATORS = ("efficiency", "skill", "attitude")
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
# Anything that looks like a phone or an ID number is scrubbed from published text.
PERSONAL_RE = re.compile(r"\d{6,}[\dXx]*")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f<>]")


class AlreadyRated(ValidationError):
    """The token was used already (一次一评)."""


new_token = codes.new_token


def plain_text(value: str, limit: int) -> str:
    """A comment as plain text: no control characters or angle brackets, whitespace collapsed, cut."""
    return " ".join(CONTROL_RE.sub("", value or "").split())[:limit]


def scrub(value: str, *names: str) -> str:
    """Text for the public: digits that could be a phone or an ID and any given names removed."""
    text = PERSONAL_RE.sub("***", value)
    for name in names:
        if name:
            text = text.replace(name, "***")
    return text


def masked_comment(text: str) -> dict[str, str]:
    """A citizen's comment as stored: ID and phone numbers masked; the original only encrypted, and only
    when masking changed it (personal data at rest)."""
    masked = mask_free_text(text)
    return {"comment": masked, "comment_original_enc": encrypt(text) if masked != text else ""}


def client_hash(address: str) -> str:
    """A keyed hash of the client address: bursts can be found without storing the address."""
    return blind_index(address or "unknown")


# --- Tokens -----------------------------------------------------------------------------------------
def rating_token_issue(*, outlet: Any, channel: str, case: Any = None, guided: Any = None, by: Any) -> str:
    """The 评价码 for one service given at `outlet`: a window case, an online self-service session
    (`guided`) or a terminal's printout (neither, issued by the system). Returns the code, printed under a
    QR code.

    `by=None` is the system (a terminal printing); a person needs "ratings.issue_token" in scope."""
    require(by, "ratings.issue_token")
    if channel not in Channel.values:
        raise ValidationError({"channel": _("服务渠道不正确。")})
    # A code names the one service it rates: a case at the window, a guided online session, or a printout
    # the terminal itself makes (the system). No code for a service nobody gave.
    service = {Channel.COUNTER: case is not None and guided is None, Channel.ONLINE: guided is not None and case is None,
               Channel.TERMINAL: by is None and case is None and guided is None}  # fmt: skip
    if not service[Channel(channel)]:
        raise ValidationError({"channel": _("评价码须对应一次实际提供的服务。")})
    with transaction.atomic():
        row = RatingToken(
            token=(case.rating_token if case is not None and case.rating_token else new_token()),
            case=case, guided=guided, outlet=outlet, district_id=outlet.district_id, bank_id=outlet.bank_id,
            channel=channel,
        )  # fmt: skip
        require_scope(by, row)
        if case is not None and RatingToken.objects.filter(case=case).exists():
            raise ValidationError({"case": _("该业务已签发评价码。")})
        if guided is not None and RatingToken.objects.filter(guided=guided).exists():
            raise ValidationError({"guided": _("该次引导已签发评价码。")})
        row.save()
        record(action="rating_token.issue", by=by, obj=row, after={"outlet": outlet.pk, "channel": channel})
    return row.token


def display_token(token: str) -> str:
    """The code as printed under its QR code (ABCDE-FGHJK)."""
    return codes.display(token)


def rating_token_resolve(token: str) -> RatingToken | None:
    """The token row for a code as scanned or typed (any case, spaces, hyphens); a completed case's older
    receipt token gets its row on first use (system)."""
    from sheyin.casework.models import Case
    from sheyin.casework.workflow import CaseStatus

    if not token or len(token) > 60:
        return None
    candidates = list(dict.fromkeys(t for t in (token.strip()[:43], codes.normalise(token)) if t))
    row = RatingToken.objects.select_related("outlet", "case", "guided").filter(token__in=candidates).first()
    if row is not None:
        return row
    case = Case.objects.filter(rating_token__in=candidates, status=CaseStatus.COMPLETED).first()
    if case is None:
        return None
    return _case_token_row(case)


def _case_token_row(case: Any) -> RatingToken:
    try:
        with transaction.atomic():
            row, _created = RatingToken.objects.get_or_create(
                case=case,
                defaults={
                    "token": case.rating_token, "outlet_id": case.outlet_id, "district_id": case.district_id,
                    "bank_id": case.bank_id, "channel": Channel.COUNTER,
                    "issued_at": case.ended_at or timezone.now(),
                },
            )  # fmt: skip
    except IntegrityError:  # a concurrent first visit created it
        row = RatingToken.objects.get(case=case)
    return row


# --- Rating -----------------------------------------------------------------------------------------
def _deadline(opened: dt.datetime, conf: RatingSettings) -> dt.date:
    start = timezone.localdate(opened)
    if conf.deadline_working_days:
        return add_working_days(start, conf.deadline_days)
    return start + dt.timedelta(days=conf.deadline_days)


def _check_rating(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for f in ("level", *INDICATORS):
        try:
            v = int(data.get(f) or 0)
        except (TypeError, ValueError):
            v = 0
        if not 1 <= v <= 5:
            errors[f] = _("请选择1至5之间的评价等级。")
        clean[f] = v
    clean["comment"] = plain_text(str(data.get("comment") or ""), 500)
    clean["real_name"] = bool(data.get("real_name"))
    name = plain_text(str(data.get("contact_name") or ""), 30)
    phone = str(data.get("contact_phone") or "").strip()
    if clean["real_name"]:
        if not name:
            errors["contact_name"] = _("实名评价请填写姓名。")
        if not PHONE_RE.match(phone):
            errors["contact_phone"] = _("请填写11位手机号码，便于回访。")
        clean.update(contact_name=name, contact_phone=phone)
    else:
        clean.update(contact_name="", contact_phone="")
    if clean.get("level") and clean["level"] <= BAD_LEVEL_MAX and not clean["comment"]:
        errors["comment"] = _("不满意评价请简要说明原因，便于核实整改。")
    if errors:
        raise ValidationError(errors)
    return clean


def rating_submit(*, token: str, data: dict[str, Any], client_address: str = "", by: Any = None) -> Rating:
    """Rate the service behind `token` once (一次一评). Two concurrent submits: exactly one rating.

    The public rates without an account (`by` is None or an anonymous user); a bad review (level 1–2)
    opens its handling case in the same transaction."""
    clean = _check_rating(data)
    row = rating_token_resolve(token)
    if row is None:
        raise ValidationError({"token": _("评价码不存在。")})
    now = timezone.now()
    with transaction.atomic():
        locked = (
            RatingToken.objects.select_for_update(of=("self",))
            .select_related("case", "guided")
            .get(pk=row.pk)
        )
        # The conditional UPDATE is the single-use guard: only one transaction changes a NULL used_at.
        if locked.used_at is not None or not RatingToken.objects.filter(
            pk=locked.pk, used_at__isnull=True
        ).update(used_at=now):
            raise AlreadyRated({"token": _("该评价码已使用，每次服务只能评价一次。")})
        case, guided = locked.case, locked.guided
        # Who served: the window's staff member, or the guide of an online self-service session.
        staff_id = case.staff_id if case is not None else guided.guide_id if guided is not None else None
        item_name = case.item_name if case is not None else guided.service_name if guided is not None else ""
        rating = Rating.objects.create(
            case=case, token=locked, channel=locked.channel, outlet_id=locked.outlet_id,
            district_id=locked.district_id, bank_id=locked.bank_id, staff_id=staff_id, item_name=item_name,
            level=clean["level"], efficiency=clean["efficiency"],
            skill=clean["skill"], attitude=clean["attitude"], **masked_comment(clean["comment"]),
            real_name=clean["real_name"], contact_name=clean["contact_name"],
            contact_phone=encrypt(clean["contact_phone"]) if clean["contact_phone"] else "",
            contact_phone_masked=mask_phone(clean["contact_phone"]),
            client_hash=client_hash(client_address), created_at=now,
        )  # fmt: skip
        actor = by if getattr(by, "is_authenticated", False) else None
        record(action="rating.submit", by=actor, obj=rating, actor_name="" if actor else "public",
               after={"level": rating.level, "channel": rating.channel, "real_name": rating.real_name})  # fmt: skip
        if rating.is_bad:
            _open_bad_review(rating)
    return rating


def _open_bad_review(rating: Rating) -> BadReviewCase:
    conf = RatingSettings.load()
    bad = BadReviewCase.objects.create(
        rating=rating, outlet_id=rating.outlet_id, district_id=rating.district_id, bank_id=rating.bank_id,
        opened_at=rating.created_at, due_date=_deadline(rating.created_at, conf),
    )  # fmt: skip
    BadReviewStep.objects.create(case=bad, action="open", status=bad.status, at=rating.created_at)
    record(action="bad_review.open", obj=bad, after={"due_date": bad.due_date, "rating": rating.pk})
    transaction.on_commit(lambda: _alert_bad_review(bad.pk))
    return bad


def _alert_bad_review(pk: int) -> None:
    """Tell the outlet's managers and the district's officers that a bad review needs handling."""
    from sheyin.accounts.models import User
    from sheyin.accounts.roles import Role
    from sheyin.notifications.services import notify

    bad = BadReviewCase.objects.select_related("outlet").get(pk=pk)
    users = User.objects.filter(is_active=True).filter(
        assignments__role=Role.OUTLET_MANAGER, assignments__outlet_id=bad.outlet_id
    ) | User.objects.filter(is_active=True).filter(
        assignments__role__in=[Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN],
        assignments__agency_id=bad.district_id,
    )
    notify(
        users=users.distinct(),
        title=_("%(outlet)s收到一条差评，请于%(due)s前核实整改。")
        % {"outlet": bad.outlet.name, "due": bad.due_date},
        url=f"/ratings/bad-reviews/{bad.pk}/",
    )


# --- Bad-review handling ----------------------------------------------------------------------------
REVEAL_PHONE_STEP = "reveal_phone"


def note_phone_revealed(bad: BadReviewCase, by: Any, reason: str) -> None:
    """The reveal service calls this in its transaction: the handling record shows who obtained the
    rater's number for the call-back, and when (the audit trail keeps the same with the reason)."""
    BadReviewStep.objects.create(
        case=bad, action=REVEAL_PHONE_STEP, status=bad.status, note=reason[:1000], by=by
    )


PERMS = {
    "verify": "ratings.verify",
    "rectify": "ratings.rectify",
    "call_back": "ratings.call_back",
    "close": "ratings.close",
    "appeal": "ratings.appeal",
    "uphold_appeal": "ratings.review_appeal",
    "reject_appeal": "ratings.review_appeal",
}


def _transition(bad: BadReviewCase, action: str, by: Any, note: str) -> tuple[BadReviewCase, str]:
    require(by, PERMS[action])
    locked = BadReviewCase.objects.select_for_update(of=("self",)).select_related("rating").get(pk=bad.pk)
    require_scope(by, locked)
    t = find(action, locked.status, by)
    return locked, t.target


def _step(
    bad: BadReviewCase, action: str, before: str, note: str, by: Any, fields: list[str]
) -> BadReviewCase:
    """Move the case through the engine (guards, lock, audit), with the fields the step filled in."""
    saved: BadReviewCase = BAD_REVIEW.apply(
        bad, action, by=by, ctx={"text": note}, changes={f: getattr(bad, f) for f in fields},
        audit_action=f"bad_review.{action}",
    )  # fmt: skip
    BadReviewStep.objects.create(case=saved, action=action, status=saved.status, note=note[:1000], by=by)
    return saved


def _need(value: str, field: str, message: str) -> str:
    text = plain_text(value, 1000)
    if not text:
        raise ValidationError({field: message})
    return text


def bad_review_verify(*, bad: BadReviewCase, note: str, by: Any) -> BadReviewCase:
    with transaction.atomic():
        bad, target = _transition(bad, "verify", by, note)
        before, bad.status = bad.status, target
        bad.verification = _need(note, "note", _("请填写核实情况。"))[:500]
        bad.verified_at = timezone.now()
        return _step(bad, "verify", before, bad.verification, by, ["verification", "verified_at"])


def bad_review_rectify(
    *, bad: BadReviewCase, note: str, by: Any, evidence: UploadedFile | None = None
) -> BadReviewCase:
    with transaction.atomic():
        bad, target = _transition(bad, "rectify", by, note)
        text = _need(note, "note", _("请填写整改措施。"))
        kind = ""
        if evidence is not None:
            try:
                kind = check_upload(evidence)
            except ValidationError as exc:
                raise ValidationError({"evidence": exc.messages}) from exc
        before, bad.status = bad.status, target
        bad.rectification, bad.rectified_at = text, timezone.now()
        bad.rectified_on_time = timezone.localdate(bad.rectified_at) <= bad.due_date
        if evidence is not None:
            bad.evidence.save(evidence.name or "evidence", evidence, save=False)
            bad.evidence_kind = kind
        fields = ["rectification", "rectified_at", "rectified_on_time"]
        return _step(
            bad, "rectify", before, text, by, fields + (["evidence", "evidence_kind"] if evidence else [])
        )


def bad_review_call_back(*, bad: BadReviewCase, result: str, note: str, by: Any) -> BadReviewCase:
    """Record the call-back (R9.5). For a real-name review the rater's phone must have been revealed first
    (a "reveal_phone" step, audited with its reason): the record shows who obtained the number and when."""
    with transaction.atomic():
        bad, target = _transition(bad, "call_back", by, note)
        if result not in BadReviewCase.CallbackResult.values:
            raise ValidationError({"result": _("请选择回访结果。")})
        if bad.rating.real_name and not bad.steps.filter(action=REVEAL_PHONE_STEP).exists():
            raise ValidationError(
                {"note": _("请先查看评价人的联系电话（须说明事由）并致电回访，再登记回访结果。")}
            )
        text = _need(note, "note", _("请填写回访记录。"))[:500]
        before, bad.status = bad.status, target
        bad.callback_result, bad.callback_note, bad.called_back_at = result, text, timezone.now()
        return _step(
            bad, "call_back", before, text, by, ["callback_result", "callback_note", "called_back_at"]
        )


def bad_review_close(*, bad: BadReviewCase, outcome: str, by: Any) -> BadReviewCase:
    """Close the handling and publish the outcome (no personal data). Real-name: call-back first."""
    with transaction.atomic():
        bad, target = _transition(bad, "close", by, outcome)
        if bad.rating.real_name and bad.called_back_at is None:
            raise ValidationError({"outcome": _("实名差评须先完成回访，才能办结。")})
        text = _need(outcome, "outcome", _("请填写向社会公开的处理结果。"))[:500]
        before, bad.status = bad.status, target
        bad.outcome, bad.closed_at = scrub(text, bad.rating.contact_name), timezone.now()
        _publish(bad, by)
        return _step(bad, "close", before, bad.outcome, by, ["outcome", "closed_at", "published_at"])


def bad_review_appeal(*, bad: BadReviewCase, reason: str, by: Any) -> BadReviewCase:
    """申诉: the outlet says the review is false (e.g. not its service, malicious) and asks the district."""
    with transaction.atomic():
        bad, target = _transition(bad, "appeal", by, reason)
        text = _need(reason, "reason", _("请填写申诉理由。"))[:500]
        before, bad.status = bad.status, target
        bad.appeal_reason, bad.appealed_at = text, timezone.now()
        return _step(bad, "appeal", before, text, by, ["appeal_reason", "appealed_at"])


def bad_review_decide_appeal(*, bad: BadReviewCase, uphold: bool, note: str, by: Any) -> BadReviewCase:
    """复核: the district upholds the appeal (the rating is set aside and the outcome published) or rejects
    it (handling resumes at rectification; the rejection stays on record)."""
    action = "uphold_appeal" if uphold else "reject_appeal"
    with transaction.atomic():
        bad, target = _transition(bad, action, by, note)
        text = _need(note, "note", _("请填写复核意见。"))[:500]
        before, bad.status = bad.status, target
        bad.appeal_decision, bad.appeal_decided_at = text, timezone.now()
        if uphold:
            bad.outcome = scrub(text, bad.rating.contact_name)
            Rating.objects.filter(pk=bad.rating_id).update(excluded=True)
            # the rating may be in a closed month whose counts the statistics keep
            statistics.closed_months_changed()
            _publish(bad, by)
        fields = ["appeal_decision", "appeal_decided_at"] + (["outcome", "published_at"] if uphold else [])
        return _step(bad, action, before, text, by, fields)


def _publish(bad: BadReviewCase, by: Any) -> None:
    from sheyin.notices.models import PublicNotice
    from sheyin.notices.services import notice_publish

    outlet = bad.outlet
    verdict = _("申诉成立") if bad.status == BadReviewStatus.APPEAL_UPHELD else _("已整改办结")
    title = _("差评处理结果公示：%(outlet)s（%(verdict)s）") % {"outlet": outlet.name, "verdict": verdict}
    body = _("评价时间：%(date)s\n评价等级：%(level)s\n处理结果：%(outcome)s") % {
        "date": timezone.localdate(bad.rating.created_at).isoformat(),
        "level": bad.rating.get_level_display(),
        "outcome": bad.outcome,
    }
    notice_publish(kind=PublicNotice.Kind.RATING, title=title, body=body, by=by, related=bad)
    bad.published_at = timezone.now()


# --- Settings ---------------------------------------------------------------------------------------
SETTING_FIELDS = (
    "deadline_days", "deadline_working_days", "invitation_delay_days", "rate_limit_per_minute",
    "burst_window_minutes", "burst_threshold",
)  # fmt: skip


def rating_settings_update(*, data: dict[str, Any], by: Any) -> RatingSettings:
    require(by, "ratings.settings")
    with transaction.atomic():
        conf = RatingSettings.objects.select_for_update().get(pk=RatingSettings.load().pk)
        before = {f: getattr(conf, f) for f in SETTING_FIELDS}
        errors = {}
        for f in SETTING_FIELDS:
            if f in data:
                setattr(conf, f, data[f])
        if not 1 <= conf.deadline_days <= 60:
            errors["deadline_days"] = _("整改时限应在1至60天之间。")
        if not 1 <= conf.rate_limit_per_minute <= 1000:
            errors["rate_limit_per_minute"] = _("提交次数上限应在1至1000之间。")
        if conf.burst_threshold < 2:
            errors["burst_threshold"] = _("集中评价检测阈值至少为2条。")
        if not 1 <= conf.burst_window_minutes <= 1440:
            errors["burst_window_minutes"] = _("时间窗应在1至1440分钟之间。")
        if errors:
            raise ValidationError(errors)
        conf.updated_by = by
        conf.save()
        record(action="rating_settings.update", by=by, obj=conf, before=before,
               after={f: getattr(conf, f) for f in SETTING_FIELDS})  # fmt: skip
    return conf


# --- Re-invitation of unrated cases -----------------------------------------------------------------
class LogInvitationSender:
    """The default sender: the applicant is not a system user, so only the count is logged."""

    def send(self, *, tokens: list[str]) -> None:
        logger.info("rating re-invitations sent: %d", len(tokens))


def _sender() -> Any:
    path = getattr(
        dj_settings, "SHEYIN_RATING_INVITATION_SENDER", "sheyin.ratings.services.LogInvitationSender"
    )
    return import_string(path)()


def rating_invite_unrated(*, by: Any = None, now: dt.datetime | None = None) -> int:
    """Completed cases still unrated `invitation_delay_days` after completion get ONE more invitation.
    Idempotent: the token row records invited_again_at, and a case is never invited twice."""
    from sheyin.casework.models import Case
    from sheyin.casework.workflow import CaseStatus

    require(by, "ratings.settings")
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=RatingSettings.load().invitation_delay_days)
    cases = Case.objects.filter(
        status=CaseStatus.COMPLETED, ended_at__lte=cutoff, rating__isnull=True
    ).exclude(rating_token_row__invited_again_at__isnull=False)
    tokens: list[str] = []
    for case in cases.iterator(chunk_size=500):
        with transaction.atomic():
            row = _case_token_row(case)
            if RatingToken.objects.filter(
                pk=row.pk, invited_again_at__isnull=True, used_at__isnull=True
            ).update(invited_again_at=now):
                tokens.append(row.token)
    if tokens:
        with transaction.atomic():
            record(action="rating.invite_again", by=by, object_type="ratings.ratingtoken",
                   after={"count": len(tokens)})  # fmt: skip
            transaction.on_commit(lambda: _sender().send(tokens=tokens))
    return len(tokens)
