"""Navigation registry: each app registers its menu entries with the permission that shows them.

The shell (base.html, static sheyin/nav.js) shows the entries in collapsible groups: the current page's
group is open and its entry marked (aria-current="page"); the other groups keep the state the person
left them in (localStorage, keyed by `NavGroup.key`); a search box filters the entries by name.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.functional import Promise


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


def _key(section: str | Promise) -> str:
    with translation.override("zh-hans"):
        return f"g{zlib.crc32(str(section).encode()):08x}"


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
