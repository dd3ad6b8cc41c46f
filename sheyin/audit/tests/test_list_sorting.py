"""The audit log sorts by time only, either way: a log is read in the order things happened (issue 18 item 3)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.services import record
from sheyin.common.tests.sorting import order_on_page
from sheyin.institutions.tests.factories import BankFactory, municipal

pytestmark = pytest.mark.django_db


def test_the_audit_log_sorts_by_time_both_ways_and_by_nothing_else(client, reference) -> None:  # type: ignore[no-untyped-def]
    auditor = user_with_role(Role.AUDIT_ADMIN, agency=municipal())
    names = ["B审计银行", "C审计银行", "A审计银行"]  # recorded in this order
    for name in names:
        record(action="bank.update", by=auditor, obj=BankFactory(name=name), before={}, after={})
    client.force_login(auditor)
    url = reverse("audit:list")
    assert order_on_page(client, url, names, sort="at") == names
    assert order_on_page(client, url, names, sort="-at") == names[::-1]
    for key in ("actor", "object_repr", "outcome"):
        assert client.get(url, {"sort": key}).status_code == 400
