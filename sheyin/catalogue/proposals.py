"""Service proposals (服务事项建议, R10.2, R7.5): writes. Pages, the consultation page and the catalogue's own
publication call these.

A bank admin (for the bank), a district admin or officer (for the district), or anyone recording a
consultation (for one of its agreed actions) proposes a service with its reasons and expected volume. The
municipal officer gives a first opinion or returns it for more information; a municipal administrator who
neither proposed nor reviewed it accepts or rejects it (maker–checker); the officer carries an accepted one
into the next catalogue draft as an item, through the catalogue's own item service. Publishing that draft
publishes the proposal; a draft discarded or an item dropped sends it back to "accepted". The proposer is
told at each step and follows it on the proposals list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.permissions import NotAllowed, require, require_scope
from sheyin.accounts.roles import Role
from sheyin.accounts.scope import assignments_of
from sheyin.audit.services import record, snapshot
from sheyin.notifications.models import Notification
from sheyin.notifications.services import notify, todos_done

from .choices import Audience, Category
from .models import CHANNEL_SETS, CatalogueVersion, ProposalEvent, ServiceProposal, canonical_channels
from .workflow import OPEN, ProposalStatus, Status, proposal_check

TEXT_FIELDS = ("title", "description", "reasons", "volume_basis", "materials", "legal_basis")
FIELDS = ("title", "category", "audience", "channels", "description", "reasons", "expected_volume",
          "volume_basis", "materials", "legal_basis")  # fmt: skip
MAX_VOLUME = 100_000_000


def _url(p: ServiceProposal) -> str:
    return reverse("catalogue:proposal_detail", args=[p.pk])


def _users(roles: Iterable[Role], exclude: Any = None) -> list[Any]:
    qs = (
        get_user_model()
        .objects.filter(is_active=True, assignments__role__in=[r.value for r in roles])
        .distinct()
    )
    if exclude is not None and getattr(exclude, "pk", None):
        qs = qs.exclude(pk=exclude.pk)
    return list(qs)


def _proposer_side(p: ServiceProposal) -> list[Any]:
    """Everyone at the proposing organisation who follows proposals (and the proposer)."""
    q = Q(assignments__role=Role.BANK_ADMIN, assignments__bank_id=p.bank_id) if p.bank_id else Q(pk=None)
    if p.agency_id:
        q |= Q(
            assignments__role__in=[Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER],
            assignments__agency_id=p.agency_id,
        )
    users = set(get_user_model().objects.filter(q, is_active=True).distinct())
    users.add(p.proposed_by)
    return [u for u in users if u.is_active]


def _clean(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    out: dict[str, Any] = {}
    for f in TEXT_FIELDS:
        out[f] = "\n".join(
            x.strip() for x in str(data.get(f) or "").replace("\r\n", "\n").split("\n")
        ).strip()
    out["category"] = str(data.get("category") or "")
    out["audience"] = str(data.get("audience") or "")
    raw = data.get("channels") or []
    out["channels"] = canonical_channels(raw if isinstance(raw, list | tuple | set) else str(raw).upper())
    errors: dict[str, str] = {}
    if not out["title"]:
        errors["title"] = _("请填写建议事项名称。")
    elif len(out["title"]) > 60:
        errors["title"] = _("事项名称不超过60个字。")
    if out["category"] not in Category.values:
        errors["category"] = _("请选择事项类别。")
    if out["audience"] not in Audience.values:
        errors["audience"] = _("请选择服务对象。")
    if out["channels"] not in CHANNEL_SETS:
        errors["channels"] = _("请至少选择一种建议办理渠道。")
    if not out["description"]:
        errors["description"] = _("请说明事项内容和办理方式。")
    if len(out["reasons"]) < 10:
        errors["reasons"] = _("请写明建议理由（至少10个字）：群众需求、办理条件、风险控制等。")
    volume = data.get("expected_volume")
    try:
        out["expected_volume"] = int(volume)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        errors["expected_volume"] = _("请填写预计年办件量（整数）。")
    else:
        if not 1 <= out["expected_volume"] <= MAX_VOLUME:
            errors["expected_volume"] = _("预计年办件量须在1至1亿件之间。")
    return out, errors


def _event(p: ServiceProposal, action: str, by: Any, note: str = "") -> None:
    ProposalEvent.objects.create(proposal=p, action=action, status=p.status, by=by if getattr(by, "pk", None) else None,
                                 note=note)  # fmt: skip


def _number() -> str:
    prefix = f"JY{timezone.localdate():%Y%m%d}"
    last = (ServiceProposal.objects.filter(number__startswith=prefix).order_by("-number")
            .values_list("number", flat=True).first())  # fmt: skip
    return f"{prefix}{(int(last[len(prefix) :]) + 1) if last else 1:03d}"


def _organisation(by: Any, consultation_action: Any) -> tuple[str, Any, Any]:
    """(origin, agency id, bank id) of a new proposal: the consultation's parties, or the proposer's own
    organisation (a bank, or a district; the municipal center proposes only through a consultation)."""
    if consultation_action is not None:
        c = consultation_action.consultation
        return ServiceProposal.Origin.CONSULTATION, c.agency_id, c.bank_id
    for a in assignments_of(by):
        if a.role == Role.BANK_ADMIN and a.bank_id:
            return ServiceProposal.Origin.BANK, None, a.bank_id
        if a.role in (Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER) and a.agency_id:
            return ServiceProposal.Origin.DISTRICT, a.agency_id, None
    raise NotAllowed(
        _("市级经办机构的服务事项调整直接编入清单草稿；与银行会商议定的建议请从会商记录中提出。")
    )


def proposal_submit(*, data: dict[str, Any], by: Any, consultation_action: Any = None) -> ServiceProposal:
    """A bank, a district or a consultation proposes a service for the catalogue (R10.2)."""
    require(by, "catalogue.propose")
    if consultation_action is not None:
        require(by, "supervision.consult")
        require_scope(by, consultation_action.consultation)
    clean, errors = _clean(data)
    if errors:
        raise ValidationError(errors)
    origin, agency_id, bank_id = _organisation(by, consultation_action)
    now = timezone.now()
    try:
        with transaction.atomic():
            for _attempt in range(5):
                p = ServiceProposal(number=_number(), origin=origin, agency_id=agency_id, bank_id=bank_id,
                                    consultation_action=consultation_action, proposed_by=by, submitted_at=now,
                                    **clean)  # fmt: skip
                try:
                    with transaction.atomic():
                        p.save()
                    break
                except IntegrityError:
                    if (
                        consultation_action is not None
                        and ServiceProposal.objects.filter(consultation_action=consultation_action).exists()
                    ):
                        raise
                    continue
            else:
                raise ValidationError(_("系统繁忙，请重试。"))
            _event(p, "submit", by)
            record(
                action="proposal.submit",
                by=by,
                obj=p,
                after=snapshot(p, ["title", "origin", "expected_volume"]),
            )
            notify(users=_users([Role.MUNICIPAL_OFFICER], exclude=by), kind=Notification.Kind.TASK, url=_url(p),
                   title=_("新的服务事项建议待初审：%(t)s（%(o)s）") % {"t": p.title, "o": p.proposer_name})  # fmt: skip
    except IntegrityError as exc:
        raise ValidationError(_("该会商事项已提出过服务事项建议。")) from exc
    return p


def _step(proposal: ServiceProposal, action: str, by: Any) -> tuple[ServiceProposal, str]:
    """Lock, check the transition (roles and guards) and scope; returns the locked row and its old status."""
    locked = ServiceProposal.objects.select_for_update().get(pk=proposal.pk)
    if by is not None:
        require_scope(by, locked)
    t = proposal_check(action, locked, by)
    before = locked.status
    locked.status = t.target
    todos_done(
        urls=[_url(locked)]
    )  # the step this proposal waited for is taken; the next one's to-dos follow
    return locked, before


def proposal_resubmit(*, proposal: ServiceProposal, data: dict[str, Any], by: Any) -> ServiceProposal:
    """The proposer completes a returned proposal and submits it again."""
    require(by, "catalogue.propose")
    clean, errors = _clean(data)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        p, _before = _step(proposal, "resubmit", by)
        old = snapshot(p, list(FIELDS))
        for k, v in clean.items():
            setattr(p, k, v)
        p.submitted_at = timezone.now()
        p.save()
        _event(p, "resubmit", by)
        record(action="proposal.resubmit", by=by, obj=p, before=old, after=snapshot(p, list(FIELDS)))
        notify(users=_users([Role.MUNICIPAL_OFFICER], exclude=by),
                                             kind=Notification.Kind.TASK, url=_url(p),
                                             title=_("服务事项建议已补充，待初审：%(t)s") % {"t": p.title})  # fmt: skip
    return p


def proposal_withdraw(*, proposal: ServiceProposal, reason: str, by: Any) -> ServiceProposal:
    require(by, "catalogue.propose")
    with transaction.atomic():
        p, _before = _step(proposal, "withdraw", by)
        p.save(update_fields=["status", "updated_at"])
        _event(p, "withdraw", by, reason.strip())
        record(action="proposal.withdraw", by=by, obj=p, reason=reason.strip())
    return p


def proposal_return(*, proposal: ServiceProposal, reason: str, by: Any) -> ServiceProposal:
    """The municipal officer asks the proposer for more (data, reasons, volume)."""
    require(by, "catalogue.review_proposals")
    if not reason.strip():
        raise ValidationError({"reason": _("退回时请写明需要补充的内容。")})
    with transaction.atomic():
        p, _before = _step(proposal, "return", by)
        p.save(update_fields=["status", "updated_at"])
        _event(p, "return", by, reason.strip())
        record(action="proposal.return", by=by, obj=p, reason=reason.strip())
        notify(users=_proposer_side(p), kind=Notification.Kind.TASK, url=_url(p),
                                             title=_("服务事项建议被退回补充：%(t)s") % {"t": p.title},
                                             body=reason.strip())  # fmt: skip
    return p


def proposal_review(
    *, proposal: ServiceProposal, recommend: bool | None, opinion: str, by: Any
) -> ServiceProposal:
    """The municipal officer's first opinion (初审): recommend accepting it or not, and why."""
    require(by, "catalogue.review_proposals")
    errors: dict[str, str] = {}
    if recommend is None:
        errors["recommend"] = _("请选择初审结论。")
    if not opinion.strip():
        errors["opinion"] = _("请填写初审意见：是否符合“高频、高效、风险可控”，办理条件和风险控制要求。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        p, _before = _step(proposal, "review", by)
        p.reviewed_by, p.reviewed_at, p.review_opinion, p.recommend = (
            by,
            timezone.now(),
            opinion.strip(),
            recommend,
        )
        p.save()
        _event(p, "review", by, p.review_opinion)
        record(
            action="proposal.review", by=by, obj=p, after={"recommend": recommend}, reason=p.review_opinion
        )
        notify(users=_users([Role.MUNICIPAL_ADMIN], exclude=by),
                                             kind=Notification.Kind.TASK, url=_url(p),
                                             title=_("服务事项建议待审定：%(t)s") % {"t": p.title})  # fmt: skip
    return p


def proposal_decide(*, proposal: ServiceProposal, accept: bool, note: str, by: Any) -> ServiceProposal:
    """A municipal administrator who neither proposed nor reviewed it accepts or rejects (maker–checker)."""
    require(by, "catalogue.decide_proposals")
    if not accept and not note.strip():
        raise ValidationError({"note": _("不予采纳须说明理由，理由将告知建议单位。")})
    with transaction.atomic():
        p, _before = _step(proposal, "accept" if accept else "reject", by)
        p.decided_by, p.decided_at, p.decision_note = by, timezone.now(), note.strip()
        p.save()
        _event(p, "accept" if accept else "reject", by, p.decision_note)
        record(
            action="proposal.accept" if accept else "proposal.reject", by=by, obj=p, reason=p.decision_note
        )
        title = (_("服务事项建议已采纳，将纳入服务事项清单：%(t)s") if accept
                 else _("服务事项建议不予采纳：%(t)s")) % {"t": p.title}  # fmt: skip
        people = _proposer_side(p) + (_users([Role.MUNICIPAL_OFFICER]) if accept else [])
        notify(users=people, url=_url(p), title=title, body=p.decision_note)
    return p


def proposal_carry(*, proposal: ServiceProposal, item: dict[str, Any], by: Any) -> ServiceProposal:
    """The municipal officer carries an accepted proposal into the next catalogue draft as an item (made by
    the catalogue's item service, with its checks). With no version open, a new draft is started."""
    from . import services

    require(by, "catalogue.review_proposals")
    require(by, "catalogue.edit")
    with transaction.atomic():
        p, _before = _step(proposal, "carry", by)
        draft = CatalogueVersion.objects.select_for_update().filter(status__in=OPEN).first()
        if draft is not None and draft.status != Status.DRAFT:
            raise ValidationError(
                _("第%(n)s版清单正在审核，请待其发布或退回后再纳入。") % {"n": draft.number}
            )
        if draft is None:
            draft = services.version_create_draft(
                by=by, summary=_("纳入服务事项建议：%(t)s") % {"t": p.title}
            )
        made = services.item_create(version=draft, data=item, by=by)
        p.version, p.item_code, p.carried_by, p.carried_at = draft, made.code, by, timezone.now()
        p.save()
        _event(
            p, "carry", by, _("纳入第%(n)s版清单草稿，事项编码%(c)s") % {"n": draft.number, "c": made.code}
        )
        record(action="proposal.carry", by=by, obj=p, after={"version": draft.number, "item": made.code})
        notify(
            users=_proposer_side(p), url=_url(p),
            title=_("服务事项建议已纳入第%(n)s版清单草稿：%(t)s") % {"n": draft.number, "t": p.title})  # fmt: skip
    return p


def proposals_follow_version(*, version: CatalogueVersion, published: bool, by: Any = None) -> int:
    """The system, when a draft is published or discarded: proposals carried into it are published with it
    (their item is in the published version) or go back to "accepted" (the draft was discarded, or the item
    was removed or recoded before publication) to be carried again. Returns how many moved."""
    codes = set(version.items.values_list("code", flat=True)) if published else set()
    n = 0
    for pk in ServiceProposal.objects.filter(version=version, status=ProposalStatus.CARRIED).values_list(
        "pk", flat=True
    ):
        p = ServiceProposal.objects.select_for_update().get(pk=pk)
        kept = published and p.item_code in codes
        t = proposal_check("publish" if kept else "uncarry", p, None)
        p.status = t.target
        note = ""
        if kept:
            p.published_at = version.effective_from or timezone.now()
            note = _("随第%(n)s版清单发布，%(t)s起施行") % {
                "n": version.number, "t": timezone.localtime(p.published_at).strftime("%Y-%m-%d %H:%M")}  # fmt: skip
        else:
            note = (_("第%(n)s版草稿已作废，待重新纳入") if not published
                    else _("第%(n)s版发布时未包含该事项，待重新纳入")) % {"n": version.number}  # fmt: skip
            p.version, p.item_code, p.carried_by, p.carried_at = None, "", None, None
        p.save()
        _event(p, "publish" if kept else "uncarry", by, note)
        record(action="proposal.publish" if kept else "proposal.uncarry", by=by, obj=p, reason=note)
        people = _proposer_side(p) if kept else _users([Role.MUNICIPAL_OFFICER])
        title = (_("您提出的服务事项已列入服务事项清单：%(t)s") if kept
                 else _("已采纳的服务事项建议待重新纳入清单：%(t)s")) % {"t": p.title}  # fmt: skip
        notify(
            users=people, url=_url(p), title=title, body=note)  # fmt: skip
        n += 1
    return n


def item_left_draft(*, version: CatalogueVersion, code: str, by: Any) -> None:
    """The item a proposal was carried in as was deleted from the draft: the proposal waits to be carried
    again (it stays accepted)."""
    for p in ServiceProposal.objects.select_for_update().filter(version=version, item_code=code,
                                                                 status=ProposalStatus.CARRIED):  # fmt: skip
        p.status = proposal_check("uncarry", p, None).target
        p.version, p.item_code, p.carried_by, p.carried_at = None, "", None, None
        p.save()
        note = _("事项%(c)s已从第%(n)s版草稿中删除，待重新纳入") % {"c": code, "n": version.number}
        _event(p, "uncarry", by, note)
        record(action="proposal.uncarry", by=by, obj=p, reason=note)


def item_recoded(*, version: CatalogueVersion, old: str, new: str) -> None:
    ServiceProposal.objects.filter(version=version, item_code=old, status=ProposalStatus.CARRIED).update(
        item_code=new
    )
