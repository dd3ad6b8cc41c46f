"""The citizen at the terminal (R2.1): identification, the rights record, printing, the idle reset and the
log of every query (terminal, outlet, time)."""

from __future__ import annotations

import logging
import time

import pytest

from sheyin.common.masking import mask_name
from sheyin.kiosk.models import PrintedRecord, TerminalQuery
from sheyin.kiosk.views import PERSON

from .factories import at_terminal, site

pytestmark = pytest.mark.django_db


def identify(client, s):  # type: ignore[no-untyped-def]
    return client.post(
        "/kiosk/identify/", {"id_number": s.citizen.id_number, "card_number": s.citizen.card_number}
    )


def test_id_and_card_number_open_the_record_and_every_query_is_logged(client, reference, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    s = site()
    at_terminal(client, s)
    resp = identify(client, s)
    assert resp.url == "/kiosk/record/"
    page = client.get("/kiosk/record/").content.decode()
    assert s.citizen.id_number[:6] + "********" + s.citizen.id_number[-4:] in page
    assert s.citizen.id_number not in page and mask_name(s.citizen.name) in page
    actions = list(TerminalQuery.objects.order_by("pk").values_list("action", "terminal", "outlet"))
    assert actions == [("identify", s.terminal.pk, s.outlet.pk), ("view_record", s.terminal.pk, s.outlet.pk)]
    q = TerminalQuery.objects.first()
    assert q.person_masked.endswith(s.citizen.id_number[-4:]) and q.at is not None
    assert s.citizen.id_number not in caplog.text and s.citizen.card_number not in caplog.text


def test_a_wrong_pair_gets_one_message_and_is_logged_as_failed(client, reference) -> None:  # type: ignore[no-untyped-def]
    s = site()
    at_terminal(client, s)
    wrong_card = client.post("/kiosk/identify/", {"id_number": s.citizen.id_number, "card_number": "X1"})
    from sheyin.common.identifiers import make_id_number

    unknown = client.post(
        "/kiosk/identify/", {"id_number": make_id_number("11010119900101999"), "card_number": "X1"}
    )
    message = "身份证号码或社会保障卡卡号不正确"
    assert message in wrong_card.content.decode() and message in unknown.content.decode()
    assert TerminalQuery.objects.filter(action="identify_failed").count() == 2
    invalid = client.post("/kiosk/identify/", {"id_number": "110101199001019990", "card_number": "X1"})
    assert "校验位错误" in invalid.content.decode()
    assert client.get("/kiosk/record/").url == "/kiosk/identify/"


def test_five_failures_in_a_minute_pause_the_terminal(client, reference) -> None:  # type: ignore[no-untyped-def]
    s = site()
    at_terminal(client, s)
    for _ in range(5):
        client.post("/kiosk/identify/", {"id_number": s.citizen.id_number, "card_number": "X1"})
    resp = identify(client, s)
    assert "尝试次数过多" in resp.content.decode()


def test_sixty_idle_seconds_forget_the_person(client, reference) -> None:  # type: ignore[no-untyped-def]
    s = site()
    at_terminal(client, s)
    identify(client, s)
    page = client.get("/kiosk/record/").content.decode()
    assert 'data-idle-seconds="60"' in page and 'data-reset-url="/kiosk/end/"' in page
    session = client.session
    session[PERSON]["t"] = time.time() - 61
    session.save()
    assert client.get("/kiosk/record/").url == "/kiosk/identify/"
    assert PERSON not in client.session


def test_leaving_forgets_the_person_and_another_terminal_cannot_use_the_session(client, reference) -> None:  # type: ignore[no-untyped-def]
    s = site()
    other = site(serial="T-0099")
    at_terminal(client, s)
    identify(client, s)
    client.cookies["sheyin_kiosk"] = other.cookie
    assert client.get("/kiosk/record/").url == "/kiosk/identify/"
    at_terminal(client, s)
    client.get("/kiosk/end/")
    assert client.get("/kiosk/record/").url == "/kiosk/identify/"


def test_a_one_time_code_identifies_the_person(client, reference, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    s = site()
    at_terminal(client, s)
    with django_capture_on_commit_callbacks(execute=True):  # the SMS goes out after the commit
        client.post("/kiosk/identify/code/", {"id_number": s.citizen.id_number})
    page = client.get("/kiosk/identify/code/").content.decode()
    code = page.split('data-testid="demo-code">')[1].split("验证码为 ")[1][:6]
    wrong = client.post("/kiosk/identify/code/", {"code": "000000" if code != "000000" else "111111"})
    assert "验证码不正确或已过期" in wrong.content.decode()
    assert client.post("/kiosk/identify/code/", {"code": code}).url == "/kiosk/record/"
    assert list(TerminalQuery.objects.values_list("action", flat=True).order_by("pk"))[:3] == [
        "code_sent", "identify_failed", "identify"]  # fmt: skip


def test_printing_stores_codes_and_hashes_and_serves_the_pdf_once_to_this_terminal(client, reference) -> None:  # type: ignore[no-untyped-def]
    s = site()
    at_terminal(client, s)
    identify(client, s)
    resp = client.post("/kiosk/record/print/")
    printed = PrintedRecord.objects.get()
    assert resp.url == f"/kiosk/record/printed/{printed.code}/"
    pdf = client.get(f"/kiosk/record/printed/{printed.code}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    from sheyin.common.crypto import sm3_hex

    assert sm3_hex(pdf.content) == printed.pdf_hash
    assert (
        printed.terminal == s.terminal
        and printed.outlet == s.outlet
        and printed.masked_name == mask_name(s.citizen.name)
    )
    assert TerminalQuery.objects.filter(action="print_record", printed=printed).exists()
    client.get("/kiosk/end/")
    assert client.get(f"/kiosk/record/printed/{printed.code}/pdf/").status_code == 404


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF as a reader sees it (poppler's pdftotext, installed for PDF tests)."""
    import subprocess

    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_the_printout_and_the_screen_give_a_rating_code_for_this_self_service(client, reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.ratings.models import Rating
    from sheyin.ratings.tests.factories import good

    s = site()
    at_terminal(client, s)
    identify(client, s)
    client.post("/kiosk/record/print/")
    printed = PrintedRecord.objects.select_related("rating_token").get()
    token = printed.rating_token
    assert token is not None and token.channel == "T" and token.outlet == s.outlet and token.used_at is None
    screen = client.get(f"/kiosk/record/printed/{printed.code}/").content.decode()
    assert token.code_display in screen and "<svg" in screen and printed.code_display in screen
    text = pdf_text(client.get(f"/kiosk/record/printed/{printed.code}/pdf/").content)
    assert f"评价码 {token.code_display}" in text and f"核验码：{printed.code_display}" in text
    assert "验证码" not in text  # one word for the printout's code
    client.get("/kiosk/end/")
    typed = client.get("/rate/", {"code": token.code_display.lower()})
    assert client.post(typed["Location"], good(5)).status_code == 302
    rating = Rating.objects.get()
    assert rating.channel == "T" and rating.outlet == s.outlet and rating.staff is None


def test_the_terminal_speaks_chinese_whatever_the_browser_asks_until_the_citizen_switches(
    client, reference
) -> None:  # type: ignore[no-untyped-def]
    s = site()
    at_terminal(client, s)
    client.cookies["django_language"] = "en"  # left by someone on the portal
    home = client.get("/kiosk/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "欢迎使用社会保险自助服务" in home.content.decode() and home["Content-Language"] == "zh-hans"
    resp = client.post("/kiosk/language/", {"language": "en", "next": "/kiosk/identify/"})
    assert resp.url == "/kiosk/identify/"
    assert "Identification" in client.get("/kiosk/identify/").content.decode()
    assert (
        'data-idle-seconds="60"' in client.get("/kiosk/").content.decode()
    )  # back to Chinese when left alone
    client.get("/kiosk/end/")
    assert "欢迎使用社会保险自助服务" in client.get("/kiosk/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_language_switch_goes_nowhere_but_the_terminal(client, reference) -> None:  # type: ignore[no-untyped-def]
    at_terminal(client, site())
    for target in ("https://example.com/", "//example.com/kiosk/", "/accounts/login/"):
        assert client.post("/kiosk/language/", {"language": "en", "next": target}).url == "/kiosk/"
    client.post("/kiosk/language/", {"language": "fr"})
    assert (
        "Identification" in client.get("/kiosk/identify/").content.decode()
    )  # an unknown language changes nothing


def test_the_card_field_has_letters_on_the_keypad_and_a_show_switch(client, reference) -> None:  # type: ignore[no-untyped-def]
    at_terminal(client, site())
    page = client.get("/kiosk/identify/").content.decode()
    for letter in "ABXZ":
        assert f'data-key="{letter}"' in page
    assert 'data-reveal="id_card_number"' in page and 'data-keypad="card"' in page
