"""Test helper: the order in which marker texts appear on a list page (sorted by `sort`, whose column
header is then marked with aria-sort)."""

from __future__ import annotations

from typing import Any


def order_on_page(client: Any, url: str, markers: list[str], **query: Any) -> list[str]:
    resp = client.get(url, query)
    assert resp.status_code == 200, (url, query, resp.status_code)
    body = resp.content.decode()
    sort = str(query.get("sort", ""))
    if sort:
        state = "descending" if sort.startswith("-") else "ascending"
        assert f'aria-sort="{state}"' in body, (url, query, "column header not marked")
    tbody = body[body.index("<tbody") :]
    found = [m for m in markers if m in tbody]
    assert len(found) == len(markers), (url, query, set(markers) - set(found))
    return sorted(found, key=tbody.index)
