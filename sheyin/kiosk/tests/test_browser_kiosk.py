"""In a real browser, the terminal for elderly hands: it speaks Chinese whatever the browser's language and
offers a switch that lasts until the citizen leaves; the on-screen keypad names the field it types into and
has letters for the card number (which starts with one); the masked card number can be shown and hidden."""

from __future__ import annotations

import pytest

from .factories import site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_elderly_citizen_types_the_card_number_on_the_keypad_and_checks_it(
    chromium, live_server, reference
) -> None:  # type: ignore[no-untyped-def]
    s = site()
    ctx = chromium.new_context(viewport={"width": 1280, "height": 1024}, locale="en-US")  # an English browser
    ctx.add_cookies([{"name": "sheyin_kiosk", "value": s.cookie, "url": live_server.url}])
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(live_server.url + "/kiosk/")
        assert "欢迎使用社会保险自助服务" in page.inner_text("main")
        page.click("[data-testid=start-card]")
        letters = page.locator("[data-testid=letters]")
        page.click("input[name=id_number]")
        assert not letters.is_visible() and "身份证号码" in page.inner_text("[data-keypad-target-label]")
        for key in s.citizen.id_number:
            page.click(f".kiosk-keypad [data-key='{key}']")
        page.click("input[name=card_number]")
        assert letters.is_visible() and "社会保障卡卡号" in page.inner_text("[data-keypad-target-label]")
        for key in s.citizen.card_number:
            page.click(f".kiosk-keypad [data-key='{key}']")
        card = page.locator("input[name=card_number]")
        assert card.get_attribute("type") == "password"
        page.click("[data-testid=reveal-card]")
        assert card.get_attribute("type") == "text" and card.input_value() == s.citizen.card_number
        assert page.get_attribute("[data-testid=reveal-card]", "aria-pressed") == "true"
        page.click("[data-testid=reveal-card]")
        assert card.get_attribute("type") == "password"
        page.click("form.kiosk-card button[type=submit]")
        page.wait_for_url(live_server.url + "/kiosk/record/")
        # The citizen switches to English; it lasts until they leave.
        page.click("[data-testid=lang-en]")
        page.wait_for_url(live_server.url + "/kiosk/record/")
        assert "Print" in page.inner_text("[data-testid=print]")
        page.locator("footer a", has_text="Exit").click()
        page.wait_for_url(live_server.url + "/kiosk/")
        assert "欢迎使用社会保险自助服务" in page.inner_text("main")
    finally:
        ctx.close()
    assert not errors, errors
