"""`{% reveal "staff.id_number" staff.pk %}`: the button and dialog of the one reveal service."""

from __future__ import annotations

from typing import Any

from django import template

from sheyin.accounts import pii
from sheyin.accounts.forms import RevealForm

register = template.Library()


@register.inclusion_tag("accounts/_reveal.html", takes_context=True)
def reveal(context: dict[str, Any], kind: str, pk: int, button: str = "") -> dict[str, Any]:
    """Nothing for a user without the declared permissions; otherwise a button opening the dialog."""
    target = pii.revealable(kind)
    user = context["request"].user
    allowed = all(user.has_perm(p) for p in target.perms)
    dom_id = f"reveal-{kind.replace('.', '-').replace('_', '-')}-{pk}"
    return {
        "allowed": allowed,
        "kind": kind,
        "pk": pk,
        "dom_id": dom_id,
        "label": target.label,
        "button": button,
        "form": RevealForm(auto_id=f"{dom_id}-%s") if allowed else None,
        "csrf_token": context.get("csrf_token"),
        "next": context["request"].get_full_path(),
    }
