"""The lifecycle of a policy material: draft → published ⇄ withdrawn (pure Python, no database)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from sheyin.accounts.roles import Role


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


MANAGERS = frozenset({Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER})


@dataclass(frozen=True)
class Transition:
    source: Status
    target: Status
    roles: frozenset[Role]
    guard: str = ""  # name of the guard the service checks ("has_content")


TRANSITIONS: tuple[Transition, ...] = (
    Transition(Status.DRAFT, Status.PUBLISHED, MANAGERS, guard="has_content"),
    Transition(Status.PUBLISHED, Status.WITHDRAWN, MANAGERS),
    Transition(Status.WITHDRAWN, Status.PUBLISHED, MANAGERS, guard="has_content"),
)


class TransitionNotAllowed(Exception):
    """A transition the table does not list (shown to the user as a clear Chinese message)."""


def find(source: str, target: str) -> Transition:
    for t in TRANSITIONS:
        if t.source == source and t.target == target:
            return t
    raise TransitionNotAllowed(
        _("资料当前状态为“%(source)s”，不能变更为“%(target)s”。")
        % {"source": Status(source).label, "target": Status(target).label}
    )


def allowed_targets(source: str) -> list[Status]:
    return [t.target for t in TRANSITIONS if t.source == source]
