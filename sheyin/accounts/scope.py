"""Data scope: every read narrows a queryset to what the user's role assignments allow. Deny by default.

A scoped model declares `SCOPE = {level: (lookup, assignment_attr) | "*"}`. Municipal ("all") users
see everything unless the model names the "all" level itself; a level the model does not name sees
nothing. A user with several assignments sees the union.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from .roles import LEVEL, Level, Role

M = TypeVar("M", bound=Model)

# Reference rows every party may read (settings, templates, checklists).
EVERY_PARTY: dict[str, Any] = {lv: "*" for lv in ("district", "bank", "outlet", "self")}


def outlet_scope(prefix: str = "", *, own: tuple[str, str] | None = None) -> dict[str, Any]:
    """The scope of a record that belongs to one outlet (R8.3), declared once for every app: the
    district, the bank and the outlet see it through the record's own `district_id`, `bank_id` and
    `outlet_id` columns (or through `prefix`, e.g. "staff__"). `own` is the (lookup, assignment
    attribute) rule for outlet staff (仅本人): ("outlet_id", "outlet_id") for records the whole outlet
    shares, ("staff_id", "user_id") for one's own work; without it outlet staff see none."""
    rules: dict[str, Any] = {
        "district": (f"{prefix}district_id", "agency_id"),
        "bank": (f"{prefix}bank_id", "bank_id"),
        "outlet": (f"{prefix}outlet_id", "outlet_id"),
    }
    if own is not None:
        rules["self"] = (f"{prefix}{own[0]}", own[1])
    return rules


def assignments_of(user: Any) -> list[Any]:
    """The role assignments behind a user's scope. A non-user principal (a bank's API client) provides
    its own as `_sheyin_assignments`, objects with `role`, `agency_id`, `bank_id` and `outlet_id`."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_sheyin_assignments", None)
    if cached is None:
        # With the organisations: the audit trail names them (User.role_summary) from the same rows.
        cached = list(user.assignments.select_related("agency", "bank", "outlet"))
        user._sheyin_assignments = cached
    return cached


def scope_q(model: type[Model], user: Any) -> Q | None:
    """The filter for this user on this model; None means nothing at all is visible."""
    rules: dict[str, Any] = getattr(model, "SCOPE", None) or {}
    q: Q | None = None
    for a in assignments_of(user):
        level = LEVEL[Role(a.role)]
        rule = rules.get(level, "*" if level == Level.ALL else None)
        if rule is None:
            continue
        if rule == "*":
            return Q()
        lookup, attr = rule
        value = user.pk if attr == "user_id" else getattr(a, attr)
        if value is None:
            continue
        part = Q(**{lookup: value})
        q = part if q is None else q | part
    return q


def scoped(qs: QuerySet[M], user: Any) -> QuerySet[M]:
    cond = scope_q(qs.model, user)
    if cond is None:
        return qs.none()
    if not cond:
        return qs
    qs = qs.filter(cond)
    rules = getattr(qs.model, "SCOPE", {}) or {}
    if any(r != "*" and "__" in r[0] for r in rules.values()):
        qs = qs.distinct()  # a join through a to-many relation may repeat rows
    return qs


def level_labels(user: Any) -> list[str]:
    return sorted({str(LEVEL[Role(a.role)].label) for a in assignments_of(user)})


def covers(user: Any, instance: Model) -> bool:
    """Whether `instance` (saved or not) lies in the user's scope, judged on its own field values.

    Services use it before a write, so a bank cannot create an outlet for another bank and a district
    cannot move an outlet into another district."""
    rules: dict[str, Any] = getattr(type(instance), "SCOPE", None) or {}
    for a in assignments_of(user):
        level = LEVEL[Role(a.role)]
        rule = rules.get(level, "*" if level == Level.ALL else None)
        if rule == "*":
            return True
        if rule is None:
            continue
        lookup, attr = rule
        if "__" in lookup:
            if (
                type(instance)
                ._default_manager.filter(pk=instance.pk)
                .filter(scope_q(type(instance), user) or Q(pk=None))
                .exists()
            ):
                return True
            continue
        field_value = instance.pk if lookup == "pk" else getattr(instance, lookup, None)
        expected = user.pk if attr == "user_id" else getattr(a, attr)
        if field_value is not None and field_value == expected:
            return True
    return False
