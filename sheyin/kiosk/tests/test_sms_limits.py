"""The terminal's SMS code cannot be used to bomb a phone (R9.3): limits per ID number, per phone number
and per terminal, counted for insured and uninsured numbers alike, with the wait shown on the screen."""

from __future__ import annotations

from typing import Any

import pytest

from sheyin.common.identifiers import make_id_number
from sheyin.kiosk import services, sms
from sheyin.kiosk.models import OneTimeCode

from .factories import at_terminal, site

pytestmark = pytest.mark.django_db

T0 = 1_796_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    c = Clock()
    monkeypatch.setattr(services, "_now", c)
    return c


@pytest.fixture
def sent(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The phones a code was sent to."""
    phones: list[str] = []

    class Recorder:
        def send_code(self, *, otp_id: int, phone: str, code: str) -> None:
            phones.append(phone)

    monkeypatch.setattr(sms, "sender", lambda: Recorder())
    return phones


@pytest.fixture(autouse=True)
def _fresh_counters():  # type: ignore[no-untyped-def]
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def uninsured(n: int) -> str:
    return make_id_number(f"11010819900101{n:03d}")


def ask(s: Any, id_number: str, capture: Any) -> int | services.CodeWait | None:
    try:
        with capture(execute=True):
            return services.otp_send(terminal=s.terminal, id_number=id_number)
    except services.CodeWait as exc:
        return exc


def test_eight_requests_for_one_id_within_seconds_send_one_code(
    reference, clock, sent, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    s = site()
    answers = []
    for i in range(8):
        clock.now = T0 + i
        answers.append(ask(s, s.citizen.id_number, django_capture_on_commit_callbacks))
    assert isinstance(answers[0], int)
    waits = [a.seconds for a in answers[1:] if isinstance(a, services.CodeWait)]
    assert waits == [60 - i for i in range(1, 8)]
    assert len(sent) == 1
    assert OneTimeCode.objects.count() == 1


def test_after_a_minute_another_code_may_be_sent_but_not_a_sixth_within_the_hour(
    reference, clock, sent, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    s = site()
    for i in range(5):
        clock.now = T0 + i * 61
        assert isinstance(ask(s, s.citizen.id_number, django_capture_on_commit_callbacks), int)
    clock.now = T0 + 5 * 61
    sixth = ask(s, s.citizen.id_number, django_capture_on_commit_callbacks)
    assert isinstance(sixth, services.CodeWait)
    assert sixth.seconds == 3600 - 5 * 61  # until the first of the five leaves the hour
    assert "分钟" in sixth.messages[0]
    assert len(sent) == 5


def test_one_phone_shared_by_two_id_numbers_gets_one_code_a_minute(
    reference, clock, sent, django_capture_on_commit_callbacks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from sheyin.casework.tests.factories import person
    from sheyin.coresystem.adapter import get_core

    s = site()
    spouse = person(4, hukou="110108", card="C20000004")
    core = get_core()
    monkeypatch.setattr(type(core), "contact_phone", lambda self, ref: "13800000000")
    assert isinstance(ask(s, s.citizen.id_number, django_capture_on_commit_callbacks), int)
    clock.now = T0 + 5
    refused = ask(s, spouse.id_number, django_capture_on_commit_callbacks)
    assert isinstance(refused, services.CodeWait) and refused.seconds == 55
    assert sent == ["13800000000"]


def test_one_terminal_sends_at_most_three_codes_a_minute(
    reference, clock, sent, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    s = site()
    other = site(serial="T-0002")
    answers = [ask(s, uninsured(i), django_capture_on_commit_callbacks) for i in range(4)]
    assert answers[:3] == [None, None, None]  # uninsured: nothing sent, the same words on screen
    assert isinstance(answers[3], services.CodeWait)
    assert ask(other, uninsured(9), django_capture_on_commit_callbacks) is None  # another terminal is free


def test_an_uninsured_number_is_limited_like_an_insured_one(
    reference, clock, sent, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    s = site()
    assert ask(s, uninsured(1), django_capture_on_commit_callbacks) is None
    again = ask(s, uninsured(1), django_capture_on_commit_callbacks)
    assert isinstance(again, services.CodeWait) and again.seconds == 60  # no hint that it is uninsured
    assert sent == []


def test_the_terminal_shows_how_long_to_wait(
    client, reference, clock, sent, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    s = site()
    at_terminal(client, s)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/kiosk/identify/code/", {"id_number": s.citizen.id_number})
    client.post("/kiosk/identify/code/", {"restart": "1"})
    clock.now = T0 + 20
    page = client.post("/kiosk/identify/code/", {"id_number": s.citizen.id_number})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="sms-wait"' in html and 'data-wait-seconds="40"' in html
    assert "验证码获取过于频繁，请40秒后再试。" in html
    assert len(sent) == 1
