"""What the window's two busiest requests cost in queries, run as in production: sessions in the cache
(Redis there, local memory here) and the second factor verified on the session. Each count is locked
together with what every query is for: a new query on these paths needs a reason."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from sheyin.casework.models import Case

from .factories import world

pytestmark = pytest.mark.django_db

AS_IN_PRODUCTION = override_settings(SESSION_ENGINE="sheyin.accounts.session_store", SHEYIN_REQUIRE_2FA=True)


def signed_in(client: Client, user: Any) -> None:
    """Logged in with the second factor verified, as after the login page and the TOTP step."""
    device = TOTPDevice.objects.create(user=user, name="totp", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def listing(ctx: CaptureQueriesContext) -> str:
    return "\n".join(f"{i}. {q['sql'][:200]}" for i, q in enumerate(ctx.captured_queries, 1))


@AS_IN_PRODUCTION
def test_accepting_a_case_at_the_window_takes_nine_queries(client, reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    signed_in(client, w.staff)
    client.post(reverse("casework:accept_home"))  # today's receipt series exists from now on
    with CaptureQueriesContext(connection) as ctx:
        resp = client.post(reverse("casework:accept_home"))
    assert resp.status_code == 302 and Case.objects.filter(staff=w.staff).count() == 2
    # 1 the user (session from the cache), 2 the verified TOTP device, 3 the role assignments with their
    # organisations (scope, permissions and the audit event's role summary), 4 the grant in force (the
    # grant middleware, then case_open, read once per request), 5 savepoint of case_open, 6 the receipt
    # number (one UPDATE … RETURNING), 7 the case, 8 the audit event, 9 release. The session's renewal
    # goes to the cache only.
    assert len(ctx.captured_queries) == 9, listing(ctx)


@AS_IN_PRODUCTION
def test_the_staff_members_case_list_takes_seven_queries(client, reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    signed_in(client, w.staff)
    for _ in range(3):
        client.post(reverse("casework:accept_home"))
    client.get(reverse("casework:case_list"))
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(reverse("casework:case_list"))
    assert resp.status_code == 200 and resp.content.decode().count("casework/cases/") >= 3
    # 1 the user, 2 the TOTP device, 3 the role assignments, 4 the grant in force (grant middleware),
    # 5 the capped count of the list, 6 the unread notifications (header), 7 the page of cases. Whether
    # the district, bank and outlet filters hold more than one record in the staff member's scope was
    # asked by the first request and is kept in the cache (none does: no filter is shown, no options are
    # read). No session write (renewed in the cache).
    assert len(ctx.captured_queries) == 7, listing(ctx)
