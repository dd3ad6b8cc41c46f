"""Terminals are registered devices of an outlet, each with its own credential (R2.1)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.common.crypto import sm3_hex
from sheyin.institutions.tests.factories import OutletFactory
from sheyin.kiosk import services
from sheyin.kiosk.models import Terminal
from sheyin.kiosk.workflow import TerminalStatus, TransitionError

from .factories import at_terminal, site

pytestmark = pytest.mark.django_db


def test_the_credential_is_shown_once_and_stored_only_as_a_hash(reference) -> None:  # type: ignore[no-untyped-def]
    s = site()
    t = Terminal.objects.get(pk=s.terminal.pk)
    assert len(s.secret) >= 32 and t.credential_hash == sm3_hex(s.secret.encode())
    assert s.secret not in str(list(AuditEvent.objects.values_list("after", "before", "reason")))
    assert t.district_id == s.outlet.district_id and t.bank_id == s.outlet.bank_id


def test_only_a_manager_of_the_outlet_registers_its_terminals(reference) -> None:  # type: ignore[no-untyped-def]
    s = site()
    other_manager = user_with_role(Role.OUTLET_MANAGER, outlet=OutletFactory())
    with pytest.raises(NotAllowed):
        services.terminal_register(outlet=s.outlet, serial="T-9", name="9号机", by=other_manager)
    staff = user_with_role(Role.OUTLET_STAFF, outlet=s.outlet)
    with pytest.raises(NotAllowed):
        services.terminal_register(outlet=s.outlet, serial="T-9", name="9号机", by=staff)
    with pytest.raises(ValidationError) as exc:
        services.terminal_register(outlet=s.outlet, serial="t-0001", name="另一台", by=s.manager)
    assert "该序列号的终端已登记" in " ".join(exc.value.messages)


def test_pages_refuse_a_device_without_a_valid_credential(client, reference) -> None:  # type: ignore[no-untyped-def]
    s = site()
    assert client.get("/kiosk/").status_code == 403
    client.cookies["sheyin_kiosk"] = f"{s.terminal.pk}:wrong"
    assert client.get("/kiosk/").status_code == 403
    at_terminal(client, s)
    assert client.get("/kiosk/").status_code == 200
    assert client.get("/kiosk/", HTTP_X_KIOSK_CREDENTIAL=s.cookie).status_code == 200


def test_activation_sets_the_cookie_and_a_wrong_credential_is_refused_and_audited(client, reference) -> None:  # type: ignore[no-untyped-def]
    s = site()
    resp = client.post("/kiosk/activate/", {"serial": "T-0001", "credential": "nope"})
    assert "序列号或凭证不正确" in resp.content.decode()
    assert AuditEvent.objects.filter(action="kiosk.terminal_activate", outcome="failure").exists()
    resp = client.post("/kiosk/activate/", {"serial": "t-0001", "credential": s.secret})
    assert resp.status_code == 302 and resp.cookies["sheyin_kiosk"]["httponly"]
    assert client.get("/kiosk/").status_code == 200


def test_disabling_or_rotating_stops_the_old_credential(client, reference) -> None:  # type: ignore[no-untyped-def]
    s = site()
    at_terminal(client, s)
    services.terminal_disable(terminal=s.terminal, reason="设备维修", by=s.manager)
    assert client.get("/kiosk/").status_code == 403
    with pytest.raises(TransitionError):
        services.terminal_disable(terminal=s.terminal, reason="再次停用", by=s.manager)
    services.terminal_enable(terminal=s.terminal, reason="维修完成", by=s.manager)
    assert client.get("/kiosk/").status_code == 200
    new = services.terminal_rotate_credential(terminal=s.terminal, by=s.manager)
    assert client.get("/kiosk/").status_code == 403
    client.cookies["sheyin_kiosk"] = f"{s.terminal.pk}:{new}"
    assert client.get("/kiosk/").status_code == 200
    assert Terminal.objects.get(pk=s.terminal.pk).status == TerminalStatus.ACTIVE


def test_the_registration_page_shows_the_credential_once(client, reference) -> None:  # type: ignore[no-untyped-def]
    s = site()
    client.force_login(s.manager)
    resp = client.post("/kiosk/terminals/new/", {"outlet": s.outlet.pk, "serial": "T-0002", "name": "2号机"})
    t = Terminal.objects.get(serial="T-0002")
    body = resp.content.decode()
    assert resp.status_code == 200 and "只显示这一次" in body
    secret = body.split('data-testid="secret">')[1].split("<")[0]
    assert t.credential_hash == sm3_hex(secret.encode())
    assert secret not in client.get(f"/kiosk/terminals/{t.pk}/").content.decode()
