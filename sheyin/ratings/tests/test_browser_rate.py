"""In a real browser on a phone: a citizen without a smartphone camera rates a service by typing the 评价码
printed under the QR code (R9.5) — of a window receipt, a terminal printout or an online self-service slip —
answers one overall question, and finds the public statistics from the portal. axe-core finds no serious
accessibility violation; nothing is requested off the server."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings

from sheyin.casework import services as casework
from sheyin.casework.tests.factories import completed, world
from sheyin.kiosk import services as kiosk
from sheyin.kiosk.tests.factories import print_record, site
from sheyin.ratings.models import Rating

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def phone(chromium: Any, live_server: Any) -> tuple[Any, Any, list[str]]:
    ctx = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = ctx.new_page()
    problems: list[str] = []
    host = urlparse(live_server.url).netloc
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: problems.append(f"off-site request {r.url}")
            if urlparse(r.url).netloc not in ("", host) and not r.url.startswith("data:") else None)  # fmt: skip
    return ctx, page, problems


def rate_by_typing(page: Any, url: str, typed: str, level: str) -> None:
    page.goto(url + "/rate/")
    page.fill("input[name=code]", typed)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("legend", has_text="整体满意度").count() == 1 and "总体评价" not in page.inner_text(
        "main"
    )
    page.locator("fieldset", has_text="整体满意度").get_by_text(level, exact=True).click()
    for indicator in ("服务效率", "服务水平", "服务态度"):
        page.locator("fieldset", has_text=indicator).get_by_text("满意", exact=True).click()
    page.click("[data-testid=rate-submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=rate-done]").is_visible()


def test_a_citizen_types_the_code_of_each_paper_and_rates_on_a_phone(
    chromium, live_server, reference
) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = completed(w)
    session = casework.guided_finish(session=casework.guided_start(service_name="失业登记", by=w.staff),
                                     outcome="completed", by=w.staff)  # fmt: skip
    s = site(code="110108", serial="T-B")
    person = kiosk.kiosk_identify(terminal=s.terminal, id_number=s.citizen.id_number,
                                  card_number=s.citizen.card_number)  # fmt: skip
    printed, _pdf = print_record(s, person.ref)
    papers = {
        "W": f"{case.rating_token[:5].lower()}-{case.rating_token[5:].lower()}",  # typed in lower case
        "O": session.rating_token_row.code_display.replace("-", " "),
        "T": printed.rating_token.code_display,
    }
    ctx, page, problems = phone(chromium, live_server)
    try:
        rate_by_typing(page, live_server.url, papers["W"], "非常满意")
        rate_by_typing(page, live_server.url, papers["O"], "满意")
        page.goto(live_server.url + "/rate/")
        page.fill("input[name=code]", papers["T"])
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        assert printed.rating_token.code_display in page.inner_text("[data-testid=rate-service]")
        page.add_script_tag(url=f"{live_server.url}{settings.STATIC_URL}vendor/axe-core/axe.min.js")
        serious = page.evaluate(
            """async () => (await axe.run(document, {runOnly: {type: "tag",
                 values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})).violations
               .filter(v => v.impact === "serious" || v.impact === "critical").map(v => v.id)"""
        )
        assert not serious, serious
        # The public statistics are one tap away from the rating entry page.
        page.goto(live_server.url + "/rate/")
        page.click("[data-testid=public-statistics]")
        page.wait_for_url(f"{live_server.url}/ratings/public/")
        page.wait_for_load_state("networkidle")
    finally:
        ctx.close()
    assert not problems, problems
    ratings = {r.channel: r for r in Rating.objects.all()}
    assert set(ratings) == {"W", "O"} and ratings["W"].level == 5 and ratings["O"].level == 4
    assert ratings["O"].staff == w.staff and ratings["W"].case == case
