"""Shared test fixtures: reference data and one user per role (factories live in each app's tests/)."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _default_language():  # type: ignore[no-untyped-def]
    """Each test starts in Chinese: a request in English must not leak its language into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():  # type: ignore[no-untyped-def]
    """Each test starts with an empty cache: a cached read (the portal's public data, rate-limit counters)
    must not outlive the test whose rolled-back rows it shows."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def reference(db):  # type: ignore[no-untyped-def]
    """The municipal center and the 16 district agencies, as `make run` loads them."""
    call_command("seed_reference", verbosity=0)


@pytest.fixture
def calendar(db):  # type: ignore[no-untyped-def]
    call_command("seed_calendar", verbosity=0)


# --- Browser tests (Playwright driving Debian's chromium; never a downloaded browser) -------------
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="session")
def chromium():  # type: ignore[no-untyped-def]
    import os

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):  # type: ignore[no-untyped-def]
    """A desktop-sized page; `page.goto(live_server.url + path)`. Console errors fail the test."""
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # which requests failed, to name them when a bare "Failed to load resource" line fails a test
    failed: list[str] = []
    pg.on(
        "response",
        lambda r: failed.append(f"{r.status} {r.request.method} {r.url}") if r.status >= 400 else None,
    )
    yield pg
    pg.wait_for_load_state("networkidle")  # no request may still be running when the database is emptied
    ctx.close()
    assert not errors, f"browser console errors: {errors}; failed requests: {failed}"


def login(page, live_server, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit] >> nth=0")
    page.wait_for_load_state("networkidle")


@pytest.fixture
def login_as(page, live_server):  # type: ignore[no-untyped-def]
    """`login_as(username, password)` logs the browser page in through the real login form."""

    def _login(username: str, password: str) -> None:
        login(page, live_server, username, password)

    return _login
