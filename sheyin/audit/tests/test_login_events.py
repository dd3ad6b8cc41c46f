"""Logins, logouts and failed logins are audit events (等保 level 3)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.accounts.tests.factories import PASSWORD, UserFactory
from sheyin.audit.models import AuditEvent, Outcome

pytestmark = pytest.mark.django_db


def login(client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_a_login_and_a_logout_are_recorded_with_the_client_address(client) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory()
    user.save()
    login(client, user.username, PASSWORD)
    client.post(reverse("accounts:logout"))
    events = list(AuditEvent.objects.filter(actor=user).values_list("action", "client_address"))
    assert ("auth.login", "127.0.0.1") in events
    assert ("auth.logout", "127.0.0.1") in events


def test_a_failed_login_is_recorded_as_a_failure_without_the_password(client) -> None:  # type: ignore[no-untyped-def]
    login(client, "nobody", "Wrong-pass-1")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.outcome == Outcome.FAILURE
    assert event.actor_name == "nobody"
    assert "Wrong-pass-1" not in str(event.__dict__)


def test_only_the_audit_admin_reads_the_audit_page(client, reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.accounts.roles import Role
    from sheyin.accounts.tests.factories import user_with_role
    from sheyin.institutions.tests.factories import municipal

    for role, status in [(Role.AUDIT_ADMIN, 200), (Role.SYSTEM_ADMIN, 403), (Role.SECURITY_ADMIN, 403),
                         (Role.MUNICIPAL_ADMIN, 403)]:  # fmt: skip
        client.force_login(user_with_role(role, agency=municipal()))
        assert client.get(reverse("audit:list")).status_code == status, role


def test_the_audit_page_filters_and_exports(client, reference) -> None:  # type: ignore[no-untyped-def]
    import io

    from openpyxl import load_workbook

    from sheyin.accounts.roles import Role
    from sheyin.accounts.tests.factories import user_with_role
    from sheyin.audit.services import record
    from sheyin.institutions.tests.factories import municipal

    record(action="outlet.update", object_type="institutions.outlet", object_id="1")
    record(action="bank.update", object_type="institutions.bank", object_id="2")
    client.force_login(user_with_role(Role.AUDIT_ADMIN, agency=municipal()))
    body = client.get(reverse("audit:list"), {"action": "bank.update"}).content.decode()
    assert "银行：修改" in body and "合作网点 #1" not in body and "institutions.bank" not in body
    resp = client.get(reverse("audit:list"), {"action": "outlet.update", "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
    assert [(r[4], r[5]) for r in rows[1:]] == [("合作网点：修改", "合作网点")]
