"""One lifecycle engine for every app (design rule 3: one transition table per lifecycle).

Each app declares its statuses and a `Lifecycle` (its table of `Transition`s and its Chinese messages) in
its `workflow.py`; the services change a status only through the engine:

* `lifecycle.find(action, status)`: the transition, or a `TransitionError` naming the status;
* `lifecycle.check(obj, action, by=…)`: the transition if the status, the actor's role and EVERY declared
  guard allow it (a guard is a callable `(obj, ctx) -> Chinese refusal | None`);
* `lifecycle.allowed(obj, user)`: the transitions this user may take now (the page shows only these);
* `lifecycle.apply(obj, action, by=…)`: re-reads the row under `select_for_update()`, checks as above,
  sets the status (and the timestamp the transition declares), saves and writes one audit event;
* `lifecycle.apply_bulk(queryset, action, by=…, reason=…)`: the same, row by row (each locked, each with its
  own audit event) — used instead of `queryset.update(status=…)`.

`by=None` is the platform itself (a job, or a side effect of a step already authorised): no role binds
it, but the guards still run. A transition whose role set is empty (or holds only `SYSTEM`) is the
system's alone.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SYSTEM = "system"  # pseudo-role: the platform itself (jobs, side effects of an authorised step)

Guard = Callable[[Any, dict[str, Any]], "str | None"]


class TransitionError(ValidationError):
    """A step the lifecycle does not allow now: wrong status, a role that may not take it, or a guard
    that refuses. The message is Chinese and shown to the user as is."""


class MakerCheckerError(TransitionError):
    """The person who made a record cannot also check or approve it (design rule 4)."""


def maker_checker(fn: Guard) -> Guard:
    """Mark a guard whose refusal is a maker–checker refusal (raised as MakerCheckerError)."""
    fn.maker_checker = True  # type: ignore[attr-defined]
    return fn


def refuses_with(error: type[Exception]) -> Callable[[Guard], Guard]:
    """Mark a guard whose refusal is raised as `error` (e.g. a permission refusal) instead."""

    def mark(fn: Guard) -> Guard:
        fn.error = error  # type: ignore[attr-defined]
        return fn

    return mark


def _role_value(r: Any) -> str:
    return str(getattr(r, "value", r))


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str] = frozenset()  # empty (or only SYSTEM): the system alone
    guards: tuple[Guard, ...] = ()
    label: str | Promise = ""
    stamp: str = ""  # a datetime field set to now when the transition is applied
    effects: frozenset[str] = frozenset()  # what the service does besides the status (declared, not guards)

    @property
    def source(self) -> frozenset[str]:
        return self.sources

    @property
    def system_only(self) -> bool:
        return not (self.roles - {SYSTEM})


def T(
    action: str,
    sources: Iterable[str] | str,
    target: str,
    roles: Iterable[Any] = (),
    *guards: Guard,
    label: str | Promise = "",
    stamp: str = "",
    effects: Iterable[str] = (),
) -> Transition:
    """A table row: T("approve", ["submitted"], "approved", {Role.DISTRICT_ADMIN}, guard_a, guard_b)."""
    src = frozenset([sources] if isinstance(sources, str) else [str(s) for s in sources])
    return Transition(
        action,
        src,
        str(target),
        frozenset(_role_value(r) for r in roles),
        tuple(guards),
        label,
        stamp,
        frozenset(effects),
    )


DEFAULT_MESSAGES: dict[str, str | Promise] = {
    "status": gettext_lazy("当前状态为“%(status)s”，不能执行“%(action)s”。"),
    "role": gettext_lazy("您的角色不能执行“%(action)s”。"),
    "system": gettext_lazy("“%(action)s”由系统自动办理，不能手工执行。"),
    "unknown": gettext_lazy("不支持的操作。"),
}

_REGISTRY: weakref.WeakSet[Lifecycle] = weakref.WeakSet()


def registry() -> list[Lifecycle]:
    """Every lifecycle declared so far (import the apps' workflow modules first)."""
    return sorted(_REGISTRY, key=lambda lc: lc.name)


def roles_of(user: Any) -> set[str]:
    from sheyin.accounts.scope import assignments_of

    return {str(a.role) for a in assignments_of(user)}


@dataclass(eq=False)
class Lifecycle:
    """One state machine: its statuses, its table, its Chinese messages and the field it moves."""

    name: str
    statuses: type[models.TextChoices]
    transitions: tuple[Transition, ...]
    messages: dict[str, Any] = field(default_factory=dict)
    action_labels: dict[str, Any] = field(default_factory=dict)
    status_field: str = "status"
    audit_prefix: str = ""
    role_error: type[Exception] = TransitionError

    def __post_init__(self) -> None:
        self.transitions = tuple(self.transitions)
        self.audit_prefix = self.audit_prefix or self.name
        _REGISTRY.add(self)

    # --- reading the table ---------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Transition]:
        return iter(self.transitions)

    def get(self, action: str) -> Transition:
        """The first row for `action` (KeyError if the table has none)."""
        for tr in self.transitions:
            if tr.action == action:
                return tr
        raise KeyError(f"{self.name}: no action {action}")

    def label_of(self, status: str) -> str:
        try:
            return str(self.statuses(status).label)
        except ValueError:
            return status

    def action_label(self, action: str, tr: Transition | None = None) -> str:
        if tr is not None and tr.label:
            return str(tr.label)
        if action in self.action_labels:
            return str(self.action_labels[action])
        for row in self.transitions:
            if row.action == action and row.label:
                return str(row.label)
        return _("该操作")

    def _message(self, key: str, **values: Any) -> str:
        text = self.messages.get(key) or DEFAULT_MESSAGES[key]
        return str(text) % values

    def find(self, action: str, status: str) -> Transition:
        """The row for `action` from `status`, or a TransitionError saying why not."""
        rows = [tr for tr in self.transitions if tr.action == action]
        if not rows:
            raise TransitionError(self._message("unknown", action=action), code="unknown")
        for tr in rows:
            if str(status) in tr.sources:
                return tr
        raise TransitionError(
            self._message(
                "status",
                status=self.label_of(status),
                action=self.action_label(action),
                target=self.label_of(rows[0].target),
            ),
            code="wrong_status",
        )

    def targets(self, status: str) -> list[str]:
        return [tr.target for tr in self.transitions if str(status) in tr.sources]

    # --- checking -------------------------------------------------------------------------------------

    def status_of(self, obj: Any) -> str:
        return str(getattr(obj, self.status_field))

    def check(
        self,
        obj: Any,
        action: str,
        *,
        by: Any = None,
        ctx: dict[str, Any] | None = None,
        roles: Iterable[str] | None = None,
        status: str | None = None,
    ) -> Transition:
        """The transition if the status, the role and every guard allow it; otherwise a refusal.
        `roles` overrides the roles read from `by` (a service that acts for someone else)."""
        tr = self.permit(action, status if status is not None else self.status_of(obj), by=by, roles=roles)
        self.run_guards(tr, obj, by=by, ctx=ctx)
        return tr

    def permit(self, action: str, status: str, *, by: Any, roles: Iterable[str] | None = None) -> Transition:
        """Status and role only (a first answer before the guards' facts are gathered)."""
        tr = self.find(action, status)
        if by is not None or roles is not None:
            mine = {_role_value(r) for r in roles} if roles is not None else roles_of(by)
            label = self.action_label(action, tr)
            if tr.system_only and SYSTEM not in mine:
                raise self.role_error(self._message("system", action=label))
            if not mine & tr.roles:
                raise self.role_error(self._message("role", action=label))
        return tr

    def run_guards(
        self, tr: Transition, obj: Any, *, by: Any = None, ctx: dict[str, Any] | None = None
    ) -> None:
        context = {"by": by, "by_id": getattr(by, "pk", None), **(ctx or {})}
        for guard in tr.guards:
            message = guard(obj, context)
            if message:
                error = self._guard_error(guard)
                if issubclass(error, ValidationError):
                    raise error(str(message), code="guard")
                raise error(str(message))

    @staticmethod
    def _guard_error(guard: Guard) -> Any:
        if getattr(guard, "maker_checker", False):
            return MakerCheckerError
        return getattr(guard, "error", TransitionError)

    def may(self, obj: Any, action: str, by: Any, ctx: dict[str, Any] | None = None) -> bool:
        try:
            self.check(obj, action, by=by, ctx=ctx)
        except (TransitionError, self.role_error, PermissionDenied):
            return False
        return True

    def allowed(self, obj: Any, user: Any, ctx: dict[str, Any] | None = None) -> list[Transition]:
        """The transitions `user` may take on `obj` now, guards included: the page offers only these."""
        out: list[Transition] = []
        seen: set[str] = set()
        for tr in self.transitions:
            if tr.action in seen or self.status_of(obj) not in tr.sources:
                continue
            if self.may(obj, tr.action, user, ctx):
                out.append(tr)
                seen.add(tr.action)
        return out

    def allowed_by_role(self, status: str, roles: Iterable[str]) -> list[Transition]:
        """Rows open to these roles from this status, guards not evaluated (cheap, for lists)."""
        rs = {_role_value(r) for r in roles}
        return [tr for tr in self.transitions if str(status) in tr.sources and rs & tr.roles]

    # --- applying -------------------------------------------------------------------------------------

    def apply(
        self,
        obj: models.Model,
        action: str,
        *,
        by: Any,
        ctx: dict[str, Any] | None = None,
        roles: Iterable[str] | None = None,
        changes: dict[str, Any] | None = None,
        reason: str = "",
        audit_action: str = "",
        **audit_detail: Any,
    ) -> Any:
        """Re-read `obj` under select_for_update(), check, move it, save, audit. Returns the saved row
        (and copies the changed fields onto `obj`)."""
        with transaction.atomic():
            locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
            self._apply_locked(
                locked,
                action,
                by=by,
                ctx=ctx,
                roles=roles,
                changes=changes,
                reason=reason,
                audit_action=audit_action,
                detail=audit_detail,
            )
        for name in {self.status_field, *(changes or {})}:
            setattr(obj, name, getattr(locked, name))
        stamp = self._stamp_of(action)
        if stamp:
            setattr(obj, stamp, getattr(locked, stamp))
        return locked

    def apply_bulk(
        self,
        queryset: QuerySet[Any],
        action: str,
        *,
        by: Any,
        reason: str = "",
        ctx: dict[str, Any] | None = None,
        roles: Iterable[str] | None = None,
        changes: dict[str, Any] | None = None,
        audit_action: str = "",
        **audit_detail: Any,
    ) -> list[Any]:
        """Apply one transition to every row of `queryset`, row by row: each row locked, checked (status,
        role, guards) and audited on its own. Used instead of `queryset.update(status=…)`."""
        done: list[Any] = []
        with transaction.atomic():
            for row in queryset.select_for_update().order_by("pk"):
                self._apply_locked(
                    row,
                    action,
                    by=by,
                    ctx=ctx,
                    roles=roles,
                    changes=changes,
                    reason=reason,
                    audit_action=audit_action,
                    detail=audit_detail,
                )
                done.append(row)
        return done

    def _stamp_of(self, action: str) -> str:
        return next((tr.stamp for tr in self.transitions if tr.action == action and tr.stamp), "")

    def _apply_locked(
        self,
        row: Any,
        action: str,
        *,
        by: Any,
        ctx: dict[str, Any] | None,
        roles: Iterable[str] | None,
        changes: dict[str, Any] | None,
        reason: str,
        audit_action: str,
        detail: dict[str, Any],
    ) -> Transition:
        from sheyin.audit.services import record, snapshot

        tr = self.check(row, action, by=by, ctx=ctx, roles=roles)
        fields = [self.status_field, *(changes or {})]
        if tr.stamp:
            fields.append(tr.stamp)
        files = [f for f in fields if isinstance(row._meta.get_field(f), models.FileField)]
        before = snapshot(row, [f for f in fields if f not in files])
        setattr(row, self.status_field, tr.target)
        if tr.stamp:
            setattr(row, tr.stamp, timezone.now())
        for name, value in (changes or {}).items():
            setattr(row, name, value)
        update = [row._meta.get_field(f).name for f in fields]
        if any(f.name == "updated_at" for f in row._meta.concrete_fields):
            update.append("updated_at")
        row.save(update_fields=update)
        after = snapshot(row, [f for f in fields if f not in files])
        after.update({f: getattr(row, f).name or "" for f in files})  # a stored file by its name
        record(
            action=audit_action or f"{self.audit_prefix}.{action}",
            by=by,
            obj=row,
            reason=reason,
            before=before,
            after={**after, **detail},
        )
        return tr
