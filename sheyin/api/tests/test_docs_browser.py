"""The interactive API docs run in a real browser from this server's files alone (offline first)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_docs_render_without_any_off_site_request(page, live_server) -> None:  # type: ignore[no-untyped-def]
    hosts: set[str] = set()
    page.on("request", lambda req: hosts.add(urlsplit(req.url).netloc))
    page.goto(live_server.url + "/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    assert page.get_by_text("/api/v1/institutions/outlets", exact=True).first.is_visible()
    assert hosts == {urlsplit(live_server.url).netloc}
