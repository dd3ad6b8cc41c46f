"""The lifecycle of a policy material: draft → published ⇄ withdrawn, on the common engine."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from sheyin.accounts.roles import Role
from sheyin.common.lifecycle import Lifecycle, T, TransitionError

__all__ = ["MATERIAL", "TRANSITIONS", "Status", "TransitionError", "allowed_targets", "has_content"]


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


MANAGERS = frozenset({Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER})


def has_content(material: Any, ctx: dict[str, Any]) -> str | None:
    """A material is published only with what its kind needs (a file, or a body)."""
    from .services import publish_errors

    errors = publish_errors(material)
    return "".join(str(m) for m in errors.values()) or None


MATERIAL = Lifecycle(
    "material",
    Status,
    (
        T(
            "publish",
            [Status.DRAFT, Status.WITHDRAWN],
            Status.PUBLISHED,
            MANAGERS,
            has_content,
            label=_("发布"),
            stamp="published_at",
        ),
        T("withdraw", [Status.PUBLISHED], Status.WITHDRAWN, MANAGERS, label=_("撤回")),
    ),
    messages={
        "status": _("资料当前状态为“%(status)s”，不能变更为“%(target)s”。"),
        "role": _("您的角色不能执行此状态变更。"),
    },
    audit_prefix="portal.material",
)
TRANSITIONS = MATERIAL.transitions


def allowed_targets(source: str) -> list[Status]:
    return [Status(t.target) for t in TRANSITIONS if source in t.sources]
