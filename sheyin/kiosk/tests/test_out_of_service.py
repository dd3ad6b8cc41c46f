"""A suspended or terminated outlet's terminals stop serving at the next request, and say why (R6.4, R9.3):
the old bypass — a terminated outlet's terminal identifying a person and showing their rights record — is
taken and refused, in the pages and in the services alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.cooperation import services as lifecycle
from sheyin.institutions.models import Outlet, OutletStatus
from sheyin.kiosk import services
from sheyin.kiosk.models import PrintedRecord, TerminalQuery

from .factories import at_terminal, site

pytestmark = pytest.mark.django_db


def identify(client, s):  # type: ignore[no-untyped-def]
    return client.post(
        "/kiosk/identify/", {"id_number": s.citizen.id_number, "card_number": s.citizen.card_number}
    )


def test_a_terminated_outlets_terminal_no_longer_identifies_anyone(client, reference) -> None:  # type: ignore[no-untyped-def]
    s = site()
    Outlet.objects.filter(pk=s.outlet.pk).update(status=OutletStatus.TERMINATED)
    at_terminal(client, s)
    resp = identify(client, s)
    body = resp.content.decode()
    assert 'data-testid="out-of-service"' in body
    assert "本网点已终止社保服务合作，本终端停止服务" in body
    assert 'data-testid="out-of-service"' in client.get("/kiosk/record/").content.decode()
    assert not TerminalQuery.objects.exists()  # nobody was looked up
    s.terminal.refresh_from_db()
    with pytest.raises(ValidationError, match="本终端停止服务"):
        services.kiosk_identify(
            terminal=s.terminal, id_number=s.citizen.id_number, card_number=s.citizen.card_number
        )


def test_a_person_identified_before_the_suspension_is_shown_nothing_after_it(client, reference) -> None:  # type: ignore[no-untyped-def]
    s = site()
    at_terminal(client, s)
    assert identify(client, s).url == "/kiosk/record/"
    assert client.get("/kiosk/record/").status_code == 200
    admin = user_with_role(Role.DISTRICT_ADMIN, agency=s.outlet.district)
    end = timezone.localdate() + dt.timedelta(days=10)
    lifecycle.outlet_suspend(outlet=s.outlet, reason="系统升级", planned_end=end, by=admin)
    resp = client.get("/kiosk/record/")
    body = resp.content.decode()
    assert 'data-testid="out-of-service"' in body and "本网点暂停提供社保服务" in body
    assert end.isoformat() in body  # the kiosk says until when
    assert 'data-testid="out-of-service"' in client.post("/kiosk/record/print/").content.decode()
    assert not PrintedRecord.objects.exists()
    assert TerminalQuery.objects.filter(action="view_record").count() == 1  # only the one before


def test_the_services_refuse_a_terminal_of_an_outlet_not_operating(reference) -> None:  # type: ignore[no-untyped-def]
    s = site()
    Outlet.objects.filter(pk=s.outlet.pk).update(status=OutletStatus.SUSPENDED)
    s.terminal.refresh_from_db()
    for call in (
        lambda: services.record_view(terminal=s.terminal, person_ref="x"),
        lambda: services.otp_send(terminal=s.terminal, id_number=s.citizen.id_number),
        lambda: services.record_print(
            terminal=s.terminal, person_ref="x", verify_url=lambda c, h: "", rating_url=lambda t: ""
        ),
    ):
        with pytest.raises(ValidationError, match="本终端暂停使用"):
            call()
    Outlet.objects.filter(pk=s.outlet.pk).update(status=OutletStatus.OPERATING)
    s.terminal.refresh_from_db()
    assert services.out_of_service_reason(s.terminal) == ""
