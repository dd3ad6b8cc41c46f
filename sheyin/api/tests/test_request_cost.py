"""What the banks' signed calls cost in queries: the outlet read and the ticket write. Each count is
locked together with what every query is for: a new query on these paths needs a reason. (The
savepoints are those of the test's own transaction; in production they are BEGIN and COMMIT.)"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sheyin.api.tests.factories import SignedClient, api_client_for
from sheyin.support.models import Ticket
from sheyin.support.tests.factories import world

pytestmark = pytest.mark.django_db

OUTLETS = "/api/v1/institutions/outlets?status=operating&limit=20"
TICKETS = "/api/v1/support/tickets"


def listing(ctx: CaptureQueriesContext) -> str:
    return "\n".join(f"{i}. {q['sql'][:200]}" for i, q in enumerate(ctx.captured_queries, 1))


@pytest.fixture
def bank_api(reference, calendar):  # type: ignore[no-untyped-def]
    w = world()
    client, secret = api_client_for(w.outlet.bank)
    return w, SignedClient(client, secret)


def test_a_signed_outlet_read_takes_seven_queries(bank_api) -> None:  # type: ignore[no-untyped-def]
    _w, api = bank_api
    api.get(OUTLETS)
    with CaptureQueriesContext(connection) as ctx:
        resp = api.get(OUTLETS)
    assert resp.status_code == 200 and resp.json()["total"] == 1
    # 1 savepoint (the call's transaction), 2 the client by its key, 3 the nonce (one INSERT … ON CONFLICT
    # DO NOTHING: a reused nonce inserts nothing and is refused), 4 the count, 5 the page, 6 the audit
    # event, 7 release.
    assert len(ctx.captured_queries) == 7, listing(ctx)


def test_a_signed_ticket_creation_takes_seventeen_queries(bank_api) -> None:  # type: ignore[no-untyped-def]
    w, api = bank_api
    payload = {"outlet": w.outlet.code, "category": "system", "title": "叫号机无响应",
               "description": "前台叫号机自今晨起无响应。"}  # fmt: skip
    api.send("POST", TICKETS, payload, key="first-of-the-day")  # today's ticket series exists from now on
    with CaptureQueriesContext(connection) as ctx:
        resp = api.send("POST", TICKETS, payload, key="second")
    assert resp.status_code == 201 and Ticket.objects.filter(outlet=w.outlet).count() == 2
    # 1 savepoint (the call's transaction), 2 the client, 3 the nonce and 4 the idempotency record (each
    # one INSERT … ON CONFLICT DO NOTHING), 5 the outlet in the bank's scope, 6 the district's contact
    # with its account (the deadline settings and the working-day calendar come from the reference cache),
    # 7 savepoint of ticket_raise, 8 the ticket number (one UPDATE … RETURNING), 9 the ticket, 10 its
    # audit event, 11 the district's officers to notify, 12 their notification, 13 release, 14 the ticket
    # as answered (in scope; a ticket just raised has no messages or attachments to read), 15 the stored
    # answer for the idempotency key, 16 the call's audit event, 17 release.
    assert len(ctx.captured_queries) == 17, listing(ctx)
