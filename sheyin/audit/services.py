"""Writing audit events. Every service calls `record` inside its own transaction."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from sheyin.common.memo import forget

from .context import client_address
from .models import AuditEvent, Outcome

# Fields never copied into before/after snapshots (secrets and encrypted personal data).
SECRET_FIELDS = {"password", "id_number_enc", "id_number_index", "secret", "key"}
# Bookkeeping that changes on every save and says nothing about the change itself.
NOISE_FIELDS = {"created_at", "updated_at"}


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-safe copy of a model's concrete fields, for before/after."""
    data: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        secret = f.name in SECRET_FIELDS or f.name.endswith(("_enc", "_index"))  # encrypted personal data
        if secret or f.name in NOISE_FIELDS or (fields is not None and f.name not in fields):
            continue
        data[f.attname] = f.value_from_object(obj)
    return _jsonable(data)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, for a compact event."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    *,
    action: str,
    by: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    outcome: str = Outcome.SUCCESS,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_name: str = "",
) -> AuditEvent:
    forget()  # a write: what this request remembered (a grant in force …) may have changed
    role, org = "", ""
    if by is not None and getattr(by, "pk", None):
        describe = getattr(by, "role_summary", None)
        if callable(describe):
            role, org = describe()
        actor_name = actor_name or by.get_username()
    elif by is not None:
        actor_name = actor_name or getattr(by, "audit_name", "")  # an API client principal
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEvent.objects.create(
        actor=by if by is not None and getattr(by, "pk", None) else None,
        actor_name=(actor_name or "system")[:150],
        role=role[:200],
        organisation=org[:300],
        action=action,
        object_type=object_type,
        object_id=object_id[:64],
        object_repr=str(obj)[:300] if obj is not None else "",
        outcome=outcome,
        reason=reason,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        client_address=client_address.get(),
    )
