"""The catalogue version lifecycle (R5.1, R5.2): one TRANSITIONS table, pure Python.

Stored statuses: draft → in_review → published, with in_review → draft (withdrawn by the maker or
returned by the checker) and draft → discarded. "Superseded" is not stored: a published version is
*scheduled* before its effective moment, *in force* until a later published version takes effect, and
*superseded* after that. Deriving it from the effective dates keeps "the version in force" exact at any
instant, with no job that has to run at midnight.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.roles import Role


class Status(models.TextChoices):
    DRAFT = "draft", gettext_lazy("草稿")
    IN_REVIEW = "in_review", gettext_lazy("待审核")
    PUBLISHED = "published", gettext_lazy("已发布")
    DISCARDED = "discarded", gettext_lazy("已作废")


class Phase(models.TextChoices):
    """What a version is at a given instant (derived, never stored)."""

    DRAFT = "draft", gettext_lazy("草稿")
    IN_REVIEW = "in_review", gettext_lazy("待审核")
    SCHEDULED = "scheduled", gettext_lazy("待生效")
    IN_FORCE = "in_force", gettext_lazy("现行有效")
    SUPERSEDED = "superseded", gettext_lazy("已被替代")
    DISCARDED = "discarded", gettext_lazy("已作废")


OPEN = (Status.DRAFT, Status.IN_REVIEW)
FROZEN = (Status.PUBLISHED,)  # the database refuses any change to these (migration 0002)


class TransitionError(ValidationError):
    """A transition that the table does not allow, for this status, role or guard."""


class MakerCheckerError(TransitionError):
    """The maker of a version tried to check it (design rule 4)."""


Guard = Callable[[Any, Any], str | None]  # (version, user) -> refusal message or None


def _has_items(version: Any, user: Any) -> str | None:
    if not version.items.exists():
        return _("版本中没有任何服务事项，不能提交审核。")
    return None


def _not_a_maker(version: Any, user: Any) -> str | None:
    """The checker is neither the one who created, edited nor submitted the draft."""
    if user is None:
        return None
    makers = {version.created_by_id, version.submitted_by_id}
    makers |= set(version.editors.values_list("pk", flat=True))
    if user.pk in makers:
        return _("制单人不能审核本人编制或提交的版本，请由另一位市级管理员审核（双人复核）。")
    return None


def _is_submitter(version: Any, user: Any) -> str | None:
    if user is not None and version.submitted_by_id != user.pk:
        return _("只有提交人可以撤回审核申请。")
    return None


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    roles: frozenset[Role]
    guards: tuple[Guard, ...] = ()


TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", Status.DRAFT, Status.IN_REVIEW, frozenset({Role.MUNICIPAL_OFFICER}), (_has_items,)),
    Transition("withdraw", Status.IN_REVIEW, Status.DRAFT, frozenset({Role.MUNICIPAL_OFFICER}), (_is_submitter,)),
    Transition("return", Status.IN_REVIEW, Status.DRAFT, frozenset({Role.MUNICIPAL_ADMIN}), (_not_a_maker,)),
    Transition(
        "publish", Status.IN_REVIEW, Status.PUBLISHED, frozenset({Role.MUNICIPAL_ADMIN}), (_not_a_maker, _has_items)
    ),
    Transition("discard", Status.DRAFT, Status.DISCARDED, frozenset({Role.MUNICIPAL_OFFICER})),
)  # fmt: skip

ACTION_LABELS = {
    "submit": gettext_lazy("提交审核"),
    "withdraw": gettext_lazy("撤回"),
    "return": gettext_lazy("退回修改"),
    "publish": gettext_lazy("审核通过并发布"),
    "discard": gettext_lazy("作废草稿"),
}


def roles_of(user: Any) -> set[str]:
    from sheyin.accounts.scope import assignments_of

    return {a.role for a in assignments_of(user)}


def find(action: str, source: str) -> Transition:
    for t in TRANSITIONS:
        if t.action == action and t.source == source:
            return t
    raise TransitionError(
        _("“%(status)s”状态的版本不能执行“%(action)s”。")
        % {"status": Status(source).label, "action": ACTION_LABELS.get(action, action)}
    )


def check(action: str, version: Any, user: Any) -> Transition:
    """The transition for `action` from the version's status, or a TransitionError saying why not.
    `user=None` is the system itself (the reference-data loader), which no role or maker rule binds."""
    t = find(action, version.status)
    if user is not None and not (roles_of(user) & {r.value for r in t.roles}):
        raise TransitionError(
            _("只有%(roles)s可以执行“%(action)s”。")
            % {"roles": "、".join(str(r.label) for r in t.roles), "action": ACTION_LABELS[action]}
        )
    for guard in t.guards:
        message = guard(version, user)
        if message:
            raise (MakerCheckerError if guard is _not_a_maker else TransitionError)(message)
    return t


def allowed_actions(version: Any, user: Any) -> list[str]:
    """The actions this user may take on the version now (for the buttons on the page)."""
    out = []
    for t in TRANSITIONS:
        if t.source != version.status:
            continue
        try:
            check(t.action, version, user)
        except TransitionError:
            continue
        out.append(t.action)
    return out


def phase_of(version: Any, in_force_id: int | None, now: dt.datetime) -> Phase:
    """The derived phase of one version, given the id of the version in force at `now`."""
    if version.status != Status.PUBLISHED:
        return Phase(version.status)
    if version.pk == in_force_id:
        return Phase.IN_FORCE
    if version.effective_from > now:
        return Phase.SCHEDULED
    return Phase.SUPERSEDED


# --- service proposals (R10.2): banks, districts and consultations propose services for the catalogue -------


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", gettext_lazy("待初审")
    RETURNED = "returned", gettext_lazy("退回补充")
    REVIEWED = "reviewed", gettext_lazy("待审定")
    ACCEPTED = "accepted", gettext_lazy("已采纳，待纳入清单")
    REJECTED = "rejected", gettext_lazy("不予采纳")
    CARRIED = "carried", gettext_lazy("已纳入清单草稿")
    PUBLISHED = "published", gettext_lazy("已随清单发布")
    WITHDRAWN = "withdrawn", gettext_lazy("已撤回")


PROPOSERS = frozenset({Role.BANK_ADMIN, Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.MUNICIPAL_ADMIN,
                       Role.MUNICIPAL_OFFICER})  # fmt: skip
ProposalGuard = Callable[[Any, Any], str | None]  # (proposal, user) -> refusal message or None


def _proposer_side(p: Any, user: Any) -> str | None:
    """Only the proposing organisation (its bank, or its agency) resubmits or withdraws."""
    if user is None:
        return None
    from sheyin.accounts.scope import assignments_of

    for a in assignments_of(user):
        if (p.bank_id and a.role == Role.BANK_ADMIN and a.bank_id == p.bank_id) or (
            p.agency_id and a.role != Role.BANK_ADMIN and a.agency_id == p.agency_id
        ):
            return None
    return _("只有提出建议的单位可以修改或撤回。")


def _not_the_proposer(p: Any, user: Any) -> str | None:
    if user is not None and p.proposed_by_id == user.pk:
        return _("提出建议的人员不能审查自己的建议（经办与复核须由不同人员办理）。")
    return None


def _not_the_reviewer(p: Any, user: Any) -> str | None:
    if user is not None and user.pk in (p.reviewed_by_id, p.proposed_by_id):
        return _("初审人或建议人不能审定同一建议，请由另一位市级管理员审定（双人复核）。")
    return None


@dataclass(frozen=True)
class ProposalTransition:
    action: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[Role]  # empty: the system only (publication of the catalogue carries it)
    guards: tuple[ProposalGuard, ...] = ()


P = ProposalStatus
PROPOSAL_TRANSITIONS: tuple[ProposalTransition, ...] = (
    ProposalTransition("resubmit", (P.RETURNED,), P.SUBMITTED, PROPOSERS, (_proposer_side,)),
    ProposalTransition("withdraw", (P.SUBMITTED, P.RETURNED), P.WITHDRAWN, PROPOSERS, (_proposer_side,)),
    ProposalTransition("return", (P.SUBMITTED,), P.RETURNED, frozenset({Role.MUNICIPAL_OFFICER}), (_not_the_proposer,)),
    ProposalTransition("review", (P.SUBMITTED,), P.REVIEWED, frozenset({Role.MUNICIPAL_OFFICER}), (_not_the_proposer,)),
    ProposalTransition("accept", (P.REVIEWED,), P.ACCEPTED, frozenset({Role.MUNICIPAL_ADMIN}), (_not_the_reviewer,)),
    ProposalTransition("reject", (P.REVIEWED,), P.REJECTED, frozenset({Role.MUNICIPAL_ADMIN}), (_not_the_reviewer,)),
    ProposalTransition("carry", (P.ACCEPTED,), P.CARRIED, frozenset({Role.MUNICIPAL_OFFICER})),
    # The system: the draft holding the item is published, or it loses the item (deleted, discarded).
    ProposalTransition("publish", (P.CARRIED,), P.PUBLISHED, frozenset()),
    ProposalTransition("uncarry", (P.CARRIED,), P.ACCEPTED, frozenset()),
)  # fmt: skip

PROPOSAL_ACTION_LABELS = {
    "resubmit": gettext_lazy("补充后重新提交"),
    "withdraw": gettext_lazy("撤回建议"),
    "return": gettext_lazy("退回补充"),
    "review": gettext_lazy("提出初审意见"),
    "accept": gettext_lazy("采纳"),
    "reject": gettext_lazy("不予采纳"),
    "carry": gettext_lazy("纳入清单草稿"),
    "publish": gettext_lazy("随清单发布"),
    "uncarry": gettext_lazy("移出清单草稿"),
}


def proposal_check(action: str, proposal: Any, user: Any) -> ProposalTransition:
    """The transition for `action` from the proposal's status, or a TransitionError saying why not.
    `user=None` is the system (catalogue publication), which no role binds."""
    label = PROPOSAL_ACTION_LABELS.get(action, action)
    found = [t for t in PROPOSAL_TRANSITIONS if t.action == action]
    t = next((t for t in found if proposal.status in t.sources), None)
    if t is None:
        raise TransitionError(_("“%(s)s”状态的建议不能执行“%(a)s”。") % {
            "s": ProposalStatus(proposal.status).label, "a": label})  # fmt: skip
    if user is not None and not (roles_of(user) & {r.value for r in t.roles}):
        raise TransitionError(_("您的角色不能执行“%(a)s”。") % {"a": label})
    for guard in t.guards:
        message = guard(proposal, user)
        if message:
            raise (MakerCheckerError if guard in (_not_the_proposer, _not_the_reviewer) else TransitionError)(
                message
            )
    return t


def proposal_actions(proposal: Any, user: Any) -> list[str]:
    """The actions this user may take on the proposal now (the page offers exactly these)."""
    out = []
    for t in PROPOSAL_TRANSITIONS:
        if not t.roles or proposal.status not in t.sources:
            continue
        try:
            proposal_check(t.action, proposal, user)
        except TransitionError:
            continue
        out.append(t.action)
    return out
