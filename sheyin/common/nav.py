"""Navigation registry: each app registers its menu entries with the permission that shows them.

The shell (base.html, static sheyin/nav.js) shows the entries in collapsible groups: the current page's
group is open and its entry marked (aria-current="page"); the other groups keep the state the person
left them in (localStorage, keyed by `NavGroup.key`); a search box filters the entries by name.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class NavItem:
    section: str | Promise
    label: str | Promise
    url_name: str
    icon: str = "circle"
    perm: str | None = None  # None: any logged-in user
    order: int = 100


@dataclass
class NavGroup:
    key: str  # stable across languages: where the open/closed state is remembered
    label: str
    items: list[dict[str, str | bool]] = field(default_factory=list)
    current: bool = False


_ITEMS: list[NavItem] = []


def register(*items: NavItem) -> None:
    for item in items:
        if item not in _ITEMS:
            _ITEMS.append(item)


_KEYS: dict[int, str] = {}


def _key(section: str | Promise) -> str:
    """The group's key, from its Chinese name (the same in every language); worked out once per section."""
    if id(section) not in _KEYS:
        with translation.override("zh-hans"):
            _KEYS[id(section)] = f"g{zlib.crc32(str(section).encode()):08x}"
    return _KEYS[id(section)]


# Each entry's address, worked out once per process (and URLconf, script prefix): the menu is drawn on
# every page. None: the entry's page is not installed.
_URLS: dict[tuple[str, str, str], str | None] = {}


def _url(name: str) -> str | None:
    key = (name, str(get_urlconf() or ""), get_script_prefix())
    if key not in _URLS:
        try:
            _URLS[key] = reverse(name)
        except NoReverseMatch:
            _URLS[key] = None
    return _URLS[key]


def menu_groups(user, path: str) -> list[NavGroup]:
    """The menu as groups, the entry for `path` marked current (the longest entry URL that starts it)."""
    sections: dict[str, NavGroup] = {}
    for item in sorted(_ITEMS, key=lambda i: i.order):
        if item.perm and not user.has_perm(item.perm):
            continue
        url = _url(item.url_name)
        if url is None:
            continue
        group = sections.get(str(item.section))
        if group is None:
            group = sections[str(item.section)] = NavGroup(key=_key(item.section), label=str(item.section))
        group.items.append(
            {
                "label": str(item.label),
                "url": url,
                "icon": item.icon,
                "url_name": item.url_name,
                "current": False,
            }
        )
    best: tuple[int, NavGroup, dict[str, str | bool]] | None = None
    for group in sections.values():
        for entry in group.items:
            url = str(entry["url"])
            if url != "/" and (path == url or path.startswith(url)) and (best is None or len(url) > best[0]):
                best = (len(url), group, entry)
    if best is not None:
        best[1].current = True
        best[2]["current"] = True
    return list(sections.values())


# The drawn menu, per language and distinct menu (the entries a set of roles sees, the current one
# marked): a few dozen variants in all, drawn on every page. Bounded in case paths multiply the variants.
_DRAWN: dict[tuple[Any, ...], SafeString] = {}
_DRAWN_MAX = 2048


def menu_html(groups: list[NavGroup]) -> SafeString:
    """The menu's groups as HTML (`includes/nav_groups.html`), drawn once per distinct menu and language."""
    key = (
        translation.get_language(),
        tuple((g.key, g.label, g.current, tuple(tuple(sorted(e.items())) for e in g.items)) for g in groups),
    )
    html = _DRAWN.get(key)
    if html is None:
        if len(_DRAWN) >= _DRAWN_MAX:
            _DRAWN.clear()
        html = _DRAWN[key] = mark_safe(render_to_string("includes/nav_groups.html", {"nav_groups": groups}))
    return html
