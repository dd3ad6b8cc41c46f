"""Helpers shared by the lifecycle pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from sheyin.accounts.scope import assignments_of
from sheyin.common.forms import apply_errors

from ..workflow import Lifecycle, Transition


def roles_of(user: Any) -> set[str]:
    return {a.role for a in assignments_of(user)}


_RULE_CITE = re.compile(r"[（(]R\d+(?:\.\d+)*[）)]")


def actions(
    lc: Lifecycle, status: str, user: Any, *, obj: Any = None, ctx: dict[str, Any] | None = None
) -> dict[str, Transition]:
    """The steps this user may take now. With `obj`, every guard runs too, on the same facts (`ctx`) the
    service gathers, so the page offers no step the server would refuse (see `blocked` for the why)."""
    acts, _blocked = steps_for(lc, status, user, obj=obj, ctx=ctx)
    return acts


def steps_for(
    lc: Lifecycle, status: str, user: Any, *, obj: Any = None, ctx: dict[str, Any] | None = None
) -> tuple[dict[str, Transition], list[tuple[str, str]]]:
    """(steps offered, [(step, why not)]) for the steps this user's roles hold but a guard refuses now."""
    acts: dict[str, Transition] = {}
    blocked: list[tuple[str, str]] = []
    for tr in lc.allowed_by_role(status, roles_of(user)):
        if tr.action in acts:
            continue
        if obj is not None:
            try:
                lc.run_guards(tr, obj, by=user, ctx=ctx)
            except (ValidationError, PermissionDenied) as exc:
                why = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                why = _RULE_CITE.sub("", why)  # some refusals still cite a rule number; pages show none
                blocked.append((lc.action_label(tr.action, tr), why))
                continue
        acts[tr.action] = tr
    return acts, blocked


def waiting_unless_mine(waiting: str, acts: dict[str, Transition]) -> str:
    """Name who acts next unless this user holds a step forward (withdrawing or cancelling is not one)."""
    return "" if set(acts) - {"withdraw", "cancel"} else waiting


def run_step(request: HttpRequest, steps: dict[str, Any], action: str, obj: Any) -> None:
    """One named lifecycle step from a table `{action: (service(obj, reason, user), success message)}`."""
    step = steps.get(action)
    if step is None:
        messages.error(request, _("未知的操作。"))
        return
    fn, msg = step
    run(request, lambda: fn(obj, request.POST.get("reason", ""), request.user), str(msg))


def run(request: HttpRequest, fn: Callable[[], Any], success: str, form: Any = None) -> Any:
    """Call a service; show its success, or its refusal (field errors on the form when there is one)."""
    try:
        result = fn()
    except ValidationError as exc:
        if form is not None and hasattr(exc, "error_dict"):
            apply_errors(form, exc)
        messages.error(request, "；".join(exc.messages))
        return None
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您没有执行此操作的权限。"))
        return None
    messages.success(request, success)
    return result if result is not None else True


def form_errors_message(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errors:
            messages.error(request, f"{label}：{e}" if label else e)
