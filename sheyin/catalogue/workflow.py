"""The catalogue version lifecycle (R5.1, R5.2): one table (VERSION) on the common lifecycle engine.

Stored statuses: draft → in_review → published, with in_review → draft (withdrawn by the maker or
returned by the checker) and draft → discarded. "Superseded" is not stored: a published version is
*scheduled* before its effective moment, *in force* until a later published version takes effect, and
*superseded* after that. Deriving it from the effective dates keeps "the version in force" exact at any
instant, with no job that has to run at midnight.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.roles import Role
from sheyin.common.lifecycle import (
    Lifecycle,
    MakerCheckerError,
    T,
    Transition,
    TransitionError,
    maker_checker,
)

__all__ = ["PROPOSAL", "VERSION", "MakerCheckerError", "Transition", "TransitionError"]


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


# Guards: (version, ctx) -> a Chinese refusal or None; ctx["by"] is the user (None: the system).


def _has_items(version: Any, ctx: dict[str, Any]) -> str | None:
    if not version.items.exists():
        return _("版本中没有任何服务事项，不能提交审核。")
    return None


@maker_checker
def _not_a_maker(version: Any, ctx: dict[str, Any]) -> str | None:
    """The checker is neither the one who created, edited nor submitted the draft."""
    user = ctx.get("by")
    if user is None:
        return None
    makers = {version.created_by_id, version.submitted_by_id}
    makers |= set(version.editors.values_list("pk", flat=True))
    if user.pk in makers:
        return _("制单人不能审核本人编制或提交的版本，请由另一位市级管理员审核（双人复核）。")
    return None


def _is_submitter(version: Any, ctx: dict[str, Any]) -> str | None:
    user = ctx.get("by")
    if user is not None and version.submitted_by_id != user.pk:
        return _("只有提交人可以撤回审核申请。")
    return None


_OFFICER, _ADMIN = {Role.MUNICIPAL_OFFICER}, {Role.MUNICIPAL_ADMIN}

VERSION = Lifecycle("catalogue_version", Status, (
    T("submit", Status.DRAFT, Status.IN_REVIEW, _OFFICER, _has_items),
    T("withdraw", Status.IN_REVIEW, Status.DRAFT, _OFFICER, _is_submitter),
    T("return", Status.IN_REVIEW, Status.DRAFT, _ADMIN, _not_a_maker),
    T("publish", Status.IN_REVIEW, Status.PUBLISHED, _ADMIN, _not_a_maker, _has_items),
    T("discard", Status.DRAFT, Status.DISCARDED, _OFFICER),
), messages={"status": gettext_lazy("“%(status)s”状态的版本不能执行“%(action)s”。")})  # fmt: skip
TRANSITIONS = VERSION.transitions

ACTION_LABELS = {
    "submit": gettext_lazy("提交审核"),
    "withdraw": gettext_lazy("撤回"),
    "return": gettext_lazy("退回修改"),
    "publish": gettext_lazy("审核通过并发布"),
    "discard": gettext_lazy("作废草稿"),
}


VERSION.action_labels = ACTION_LABELS


def roles_of(user: Any) -> set[str]:
    from sheyin.accounts.scope import assignments_of

    return {a.role for a in assignments_of(user)}


def find(action: str, source: str) -> Transition:
    return VERSION.find(action, source)


def check(action: str, version: Any, user: Any) -> Transition:
    """The transition for `action` from the version's status, or a TransitionError saying why not.
    `user=None` is the system itself (the reference-data loader), which no role or maker rule binds."""
    t = find(action, version.status)
    if user is not None and not (roles_of(user) & t.roles):
        raise TransitionError(
            _("只有%(roles)s可以执行“%(action)s”。")
            % {
                "roles": "、".join(str(Role(r).label) for r in sorted(t.roles)),
                "action": ACTION_LABELS[action],
            }
        )
    VERSION.run_guards(t, version, by=user)
    return t


def allowed_actions(version: Any, user: Any) -> list[str]:
    """The actions this user may take on the version now (for the buttons on the page)."""
    out = []
    for t in TRANSITIONS:
        if version.status not in t.sources:
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


def _proposer_side(p: Any, ctx: dict[str, Any]) -> str | None:
    """Only the proposing organisation (its bank, or its agency) resubmits or withdraws."""
    user = ctx.get("by")
    if user is None:
        return None
    from sheyin.accounts.scope import assignments_of

    for a in assignments_of(user):
        if (p.bank_id and a.role == Role.BANK_ADMIN and a.bank_id == p.bank_id) or (
            p.agency_id and a.role != Role.BANK_ADMIN and a.agency_id == p.agency_id
        ):
            return None
    return _("只有提出建议的单位可以修改或撤回。")


@maker_checker
def _not_the_proposer(p: Any, ctx: dict[str, Any]) -> str | None:
    user = ctx.get("by")
    if user is not None and p.proposed_by_id == user.pk:
        return _("提出建议的人员不能审查自己的建议（经办与复核须由不同人员办理）。")
    return None


@maker_checker
def _not_the_reviewer(p: Any, ctx: dict[str, Any]) -> str | None:
    user = ctx.get("by")
    if user is not None and user.pk in (p.reviewed_by_id, p.proposed_by_id):
        return _("初审人或建议人不能审定同一建议，请由另一位市级管理员审定（双人复核）。")
    return None


P = ProposalStatus
PROPOSAL = Lifecycle("service_proposal", ProposalStatus, (
    T("resubmit", [P.RETURNED], P.SUBMITTED, PROPOSERS, _proposer_side),
    T("withdraw", [P.SUBMITTED, P.RETURNED], P.WITHDRAWN, PROPOSERS, _proposer_side),
    T("return", [P.SUBMITTED], P.RETURNED, _OFFICER, _not_the_proposer),
    T("review", [P.SUBMITTED], P.REVIEWED, _OFFICER, _not_the_proposer),
    T("accept", [P.REVIEWED], P.ACCEPTED, _ADMIN, _not_the_reviewer),
    T("reject", [P.REVIEWED], P.REJECTED, _ADMIN, _not_the_reviewer),
    T("carry", [P.ACCEPTED], P.CARRIED, _OFFICER),
    # The system: the draft holding the item is published, or it loses the item (deleted, discarded).
    T("publish", [P.CARRIED], P.PUBLISHED, []),
    T("uncarry", [P.CARRIED], P.ACCEPTED, []),
), messages={"status": gettext_lazy("“%(status)s”状态的建议不能执行“%(action)s”。")})  # fmt: skip
PROPOSAL_TRANSITIONS = PROPOSAL.transitions
ProposalTransition = Transition

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


PROPOSAL.action_labels = PROPOSAL_ACTION_LABELS


def proposal_check(action: str, proposal: Any, user: Any) -> Transition:
    """The transition for `action` from the proposal's status, or a TransitionError saying why not.
    `user=None` is the system (catalogue publication), which no role binds."""
    label = PROPOSAL_ACTION_LABELS.get(action, action)
    t = PROPOSAL.find(action, proposal.status)
    if user is not None and not (roles_of(user) & t.roles):
        raise TransitionError(_("您的角色不能执行“%(a)s”。") % {"a": label})
    PROPOSAL.run_guards(t, proposal, by=user)
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
