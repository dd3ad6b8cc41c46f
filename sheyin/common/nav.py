"""Navigation registry: each app registers its menu entries with the permission that shows them."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    section: str | Promise
    label: str | Promise
    url_name: str
    icon: str = "circle"
    perm: str | None = None  # None: any logged-in user
    order: int = 100


_ITEMS: list[NavItem] = []


def register(*items: NavItem) -> None:
    for item in items:
        if item not in _ITEMS:
            _ITEMS.append(item)


def menu_for(user) -> list[tuple[str, list[dict[str, str]]]]:
    """The sections and entries this user may open, in order."""
    sections: dict[str, list[dict[str, str]]] = {}
    for item in sorted(_ITEMS, key=lambda i: i.order):
        if item.perm and not user.has_perm(item.perm):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        sections.setdefault(str(item.section), []).append(
            {"label": str(item.label), "url": url, "icon": item.icon}
        )
    return list(sections.items())
