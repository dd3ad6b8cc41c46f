"""In a real browser, the terminal returns to its start page after the idle time (R2.1: 60 s; shortened here)."""

from __future__ import annotations

import pytest

from .factories import site


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_terminal_goes_back_to_the_start_page_when_left_alone(
    page, live_server, reference, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.SHEYIN_KIOSK_IDLE_SECONDS = 2
    s = site()
    page.context.add_cookies([{"name": "sheyin_kiosk", "value": s.cookie, "url": live_server.url}])
    page.goto(live_server.url + "/kiosk/identify/")
    page.click("[data-key='1']")
    assert page.input_value("input[name=id_number]") == "1"  # the on-screen keypad types
    page.wait_for_url(live_server.url + "/kiosk/", timeout=8000)
    assert page.locator("[data-testid=start-card]").is_visible()
