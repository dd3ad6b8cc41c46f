"""Differences between two catalogue versions, item by item (matched by code) and field by field.

`diff_rows` is a pure function over plain dicts, so it is exact and testable without a database;
`diff_versions` feeds it the items of two stored versions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from .choices import Audience, Category, Channel, Risk
from .richtext import plain_text

# The fields that make an item what it is, in the order pages show them.
FIELDS = [
    "name", "category", "audience", "channels", "materials", "legal_basis", "time_limit_days", "risk",
    "needs_card_machine", "guide",
]  # fmt: skip


@dataclass(frozen=True)
class ItemChange:
    code: str
    name: str
    fields: dict[str, tuple[Any, Any]]  # field -> (old, new)


@dataclass
class VersionDiff:
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def summary(self) -> str:
        return _("新增%(a)d项、取消%(r)d项、调整%(c)d项") % {
            "a": len(self.added),
            "r": len(self.removed),
            "c": len(self.changed),
        }


def _norm(name: str, value: Any) -> Any:
    """Values compared as stored; line endings and trailing blanks in text are not a change."""
    if isinstance(value, str) and name in ("materials", "legal_basis", "guide"):
        return "\n".join(line.rstrip() for line in value.replace("\r\n", "\n").strip().split("\n"))
    return value


def diff_rows(old: Iterable[dict[str, Any]], new: Iterable[dict[str, Any]]) -> VersionDiff:
    """Items only in `new` are added, only in `old` removed; items in both with any field different are
    changed, listing exactly the fields that differ. Every list is sorted by code."""
    before = {r["code"]: r for r in old}
    after = {r["code"]: r for r in new}
    result = VersionDiff()
    for code in sorted(after.keys() - before.keys()):
        result.added.append(after[code])
    for code in sorted(before.keys() - after.keys()):
        result.removed.append(before[code])
    for code in sorted(before.keys() & after.keys()):
        a, b = before[code], after[code]
        fields = {f: (a.get(f), b.get(f)) for f in FIELDS if _norm(f, a.get(f)) != _norm(f, b.get(f))}
        if fields:
            result.changed.append(ItemChange(code=code, name=str(b.get("name", "")), fields=fields))
    return result


def item_rows(version: Any) -> list[dict[str, Any]]:
    return list(version.items.order_by("code").values("code", *FIELDS))


def diff_versions(old: Any, new: Any) -> VersionDiff:
    return diff_rows(item_rows(old) if old is not None else [], item_rows(new))


def field_label(name: str) -> str:
    from .models import ServiceItem

    return str(getattr(ServiceItem._meta.get_field(name), "verbose_name", name))


def display(name: str, value: Any) -> str:
    """A field value as words a reader understands (labels, not codes)."""
    if value is None:
        return "—"
    if name == "category":
        return str(Category(value).label) if value in Category.values else str(value)
    if name == "audience":
        return str(Audience(value).label) if value in Audience.values else str(value)
    if name == "risk":
        return str(Risk(value).label) if value in Risk.values else str(value)
    if name == "channels":
        return "、".join(str(Channel(c).label) for c in value if c in Channel.values) or "—"
    if name == "needs_card_machine":
        return _("是") if value else _("否")
    if name == "time_limit_days":
        return _("即时办结") if value == 0 else _("%(n)d个工作日") % {"n": value}
    if name == "guide":
        return plain_text(value) or "—"
    return str(value) if value != "" else "—"


def line_changes(old: str, new: str) -> tuple[list[str], list[str]]:
    """For multi-line text (materials): the lines removed and the lines added, in order."""
    a = [s.strip() for s in (old or "").splitlines() if s.strip()]
    b = [s.strip() for s in (new or "").splitlines() if s.strip()]
    return [s for s in a if s not in b], [s for s in b if s not in a]


def change_words(change: ItemChange) -> list[str]:
    """What changed in an item, field by field, in words a reader of the public notice understands: the
    old and new value of short fields, the materials added and dropped, and only the fact of an update for
    the long texts (the full guide is on the item's public page)."""
    out = []
    for name in FIELDS:
        if name not in change.fields:
            continue
        old, new = change.fields[name]
        label = _("承诺时限") if name == "time_limit_days" else field_label(name)
        if name == "materials":
            dropped, added = line_changes(old, new)
            parts = []
            if added:
                parts.append(_("新增“%(m)s”") % {"m": "”“".join(added)})
            if dropped:
                parts.append(_("不再需要“%(m)s”") % {"m": "”“".join(dropped)})
            out.append(_("%(f)s%(p)s") % {"f": label, "p": "，".join(parts) or _("顺序调整")})
        elif name in ("guide", "legal_basis"):
            out.append(_("%(f)s已更新") % {"f": label})
        else:
            out.append(
                _("%(f)s由“%(a)s”改为“%(b)s”")
                % {"f": label, "a": display(name, old), "b": display(name, new)}
            )
    return out


def item_words(row: dict[str, Any]) -> str:
    """A new item in one line: where it is handled and how long it takes."""
    return _("%(c)s，%(t)s") % {"c": display("channels", row.get("channels", "")),
                              "t": display("time_limit_days", row.get("time_limit_days", 0))}  # fmt: skip
