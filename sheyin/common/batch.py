"""Batch actions on a list (issue 18 item 3): an officer ticks rows and applies one action to all of them.

Each row goes through the same service a single row's page calls, in its own transaction, so each row is
checked, changed and audited on its own: one refusal is reported for that row and the others proceed. Rows
are looked up only in the list's scoped queryset; an id outside it is reported, never acted on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

BATCH_LIMIT = 200


@dataclass
class BatchResult:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def selected_ids(request: HttpRequest, limit: int = BATCH_LIMIT) -> list[int]:
    out: list[int] = []
    for raw in request.POST.getlist("ids"):
        if raw.isdigit() and int(raw) not in out and len(out) < limit:
            out.append(int(raw))
    return out


def run_batch(
    ids: list[int],
    qs: QuerySet,
    action: Callable[[Any], Any],
    label: Callable[[Any], str] = str,
) -> BatchResult:
    """`action(obj)` for every selected row of the scoped `qs`, each in its own transaction."""
    result = BatchResult()
    found = {obj.pk: obj for obj in qs.filter(pk__in=ids)}
    for pk in ids:
        obj = found.get(pk)
        if obj is None:
            result.failed.append((f"#{pk}", _("记录不存在或不在您的数据范围内。")))
            continue
        name = label(obj)
        try:
            with transaction.atomic():
                action(obj)
        except ValidationError as exc:
            result.failed.append((name, "；".join(str(m) for m in exc.messages)))
        except PermissionDenied as exc:
            result.failed.append((name, str(exc) or _("您没有执行此操作的权限。")))
        else:
            result.done.append(name)
    return result


def report(request: HttpRequest, result: BatchResult, verb: str) -> None:
    """One message for the rows done, one per row refused (with its reason)."""
    if not result.done and not result.failed:
        messages.warning(request, _("请先勾选要处理的记录。"))
        return
    if result.done:
        messages.success(
            request,
            ngettext("已%(verb)s %(n)d 条记录。", "已%(verb)s %(n)d 条记录。", len(result.done))
            % {"verb": verb, "n": len(result.done)},
        )
    for name, reason in result.failed:
        messages.error(request, _("%(name)s 未能处理：%(reason)s") % {"name": name, "reason": reason})
