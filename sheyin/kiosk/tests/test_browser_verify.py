"""In a real browser, on a phone and a desktop screen: a verifier holding a paper checks it (R2.1, R2.3).

The QR code of a rights-record printout opens its page: the figures as printed, where and when; a paper
whose figures were changed is told apart by them, and the page never says 一致 for a QR code; the PDF file
received is confirmed. A window receipt's QR code opens its own page the same way. axe-core finds no
serious accessibility violation; nothing is requested off the server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings

from sheyin.casework import services as casework
from sheyin.casework.tests.factories import completed, world
from sheyin.coresystem.adapter import get_core
from sheyin.kiosk import services
from sheyin.kiosk.templatetags.kiosk import yuan0

from .factories import print_record, site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": (390, 844), "desktop": (1280, 900)}


@contextmanager
def browser(chromium, live_server, size: str) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    w, h = SIZES[size]
    ctx = chromium.new_context(viewport={"width": w, "height": h}, locale="zh-CN")
    page = ctx.new_page()
    problems: list[str] = []
    host = urlparse(live_server.url).netloc
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: problems.append(f"off-site request {r.url}")
            if urlparse(r.url).netloc not in ("", host) and not r.url.startswith("data:") else None)  # fmt: skip
    try:
        yield page
        page.wait_for_load_state("networkidle")
    finally:
        ctx.close()
    assert not problems, problems


def axe_violations(page: Any, live_server: Any) -> list[str]:
    page.add_script_tag(url=f"{live_server.url}{settings.STATIC_URL}vendor/axe-core/axe.min.js")
    result: list[str] = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: "tag",
             values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})).violations
           .filter(v => v.impact === "serious" || v.impact === "critical").map(v => v.id)"""
    )
    return result


@pytest.mark.parametrize("size", list(SIZES))
def test_a_verifier_tells_a_changed_printout_from_the_one_printed(
    chromium, live_server, reference, tmp_path: Path, size
) -> None:  # type: ignore[no-untyped-def]
    s = site()
    person = services.kiosk_identify(terminal=s.terminal, id_number=s.citizen.id_number,
                                     card_number=s.citizen.card_number)  # fmt: skip
    printed, pdf = print_record(s, person.ref)
    rec = get_core().rights_record(person.ref)
    month = rec.rows[-3]
    with browser(chromium, live_server, size) as page:
        # The paper's QR code: its figures were raised by the forger, the QR code is the genuine one.
        page.goto(f"{live_server.url}/verify/record/{printed.code}/?h={printed.content_hash[:32]}")
        assert page.locator("[data-testid=digest-issued]").is_visible()
        assert "一致" not in page.inner_text("main")
        assert page.locator("[data-testid=genuine]").is_visible()
        assert printed.masked_name in page.inner_text("[data-testid=masked-name]")
        assert s.terminal.name in page.inner_text("main")
        page.click("[data-testid=months] summary")
        row = page.locator("tr", has_text=f"{month.month:%Y-%m}").first
        row.scroll_into_view_if_needed()
        assert row.is_visible() and yuan0(month.pension_base) in row.inner_text()
        assert yuan0(month.pension_base + 500_000) not in row.inner_text()  # what the forged paper says
        assert not axe_violations(page, live_server)
        # The PDF file the verifier received is confirmed byte for byte.
        received = tmp_path / "record.pdf"
        received.write_bytes(pdf)
        page.set_input_files("input[name=pdf]", str(received))
        page.click("[data-testid=check-submit]")
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-testid=match]").is_visible() and "一致" in page.inner_text(
            "[data-testid=match]"
        )
        # A QR code made for another digest is refused.
        page.goto(f"{live_server.url}/verify/record/{printed.code}/?h={'0' * 32}")
        assert page.locator("[data-testid=mismatch]").is_visible() and "一致" not in page.inner_text("main")


@pytest.mark.parametrize("size", list(SIZES))
def test_a_receipt_is_checked_from_its_code_typed_on_the_portal(
    chromium, live_server, reference, size
) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = completed(w)
    receipt, _pdf = casework.receipt_issue(case=case, verify_url=lambda c, h: "", rating_url=lambda t: "",
                                           by=w.staff)  # fmt: skip
    with browser(chromium, live_server, size) as page:
        page.goto(f"{live_server.url}/verify/")
        page.fill("input[name=code]", receipt.code_display.lower())
        page.locator("form", has=page.locator("input[name=code]")).locator("button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/verify/receipt/{receipt.code}/")
        rows = page.inner_text("[data-testid=receipt-rows]")
        assert case.receipt_no in rows and case.item_name in rows and "已办结" in rows
        assert "已办结" in page.inner_text("[data-testid=status-now]") and str(w.staff) in page.inner_text(
            "main"
        )
        assert "一致" not in page.inner_text("main")
        assert not axe_violations(page, live_server)
