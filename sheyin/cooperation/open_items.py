"""Open items at termination (R6.4): things an ending outlet still owes, tracked to closure.

Apps built later plug in a source: a callable taking the outlet and returning a list of dicts
`{"kind", "description", "object_type"?, "object_id"?, "url"?}`, e.g. casework's archives not yet
handed over, support's open tickets. Register it from the app's AppConfig.ready():

    from sheyin.cooperation.open_items import register_open_item_source
    register_open_item_source(archives_not_handed_over)

The termination collects every source when it takes effect; a refresh re-asks the sources and closes the
items they no longer report (so an archive handed over later closes its item by itself).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

OpenItemSource = Callable[[Any], list[dict[str, Any]]]

_SOURCES: list[OpenItemSource] = []


def register_open_item_source(source: OpenItemSource) -> OpenItemSource:
    """Add a source (idempotent: registering the same callable twice keeps one). Usable as a decorator."""
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def unregister_open_item_source(source: OpenItemSource) -> None:
    if source in _SOURCES:
        _SOURCES.remove(source)


def collect(outlet: Any) -> list[dict[str, Any]]:
    """Every item the sources report for this outlet, normalised; a malformed row is a programming error."""
    items: list[dict[str, Any]] = []
    for source in list(_SOURCES):
        for row in source(outlet) or []:
            if not row.get("kind") or not row.get("description"):
                raise ValueError(f"open item source {source!r} returned a row without kind/description")
            items.append(
                {
                    "kind": str(row["kind"])[:40],
                    "description": str(row["description"])[:300],
                    "object_type": str(row.get("object_type", ""))[:80],
                    "object_id": str(row.get("object_id", ""))[:64],
                    "url": str(row.get("url", ""))[:300],
                }
            )
    return items
