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
