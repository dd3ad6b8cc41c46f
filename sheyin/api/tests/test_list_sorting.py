"""The interface-client list sorts by its column headers (issue 18 item 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.api.models import ApiClient
from sheyin.api.tests.factories import api_client_for
from sheyin.common.tests.sorting import order_on_page
from sheyin.institutions.tests.factories import BankFactory, municipal

pytestmark = pytest.mark.django_db


def test_the_clients_sort_by_their_last_call_with_never_called_ones_last(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()))
    bank = BankFactory()
    names = ["A前置", "B前置", "C前置"]
    now = timezone.now()
    for name, hours in zip(names, (2, None, 5), strict=True):
        c, _ = api_client_for(bank, name=name)
        used = now - dt.timedelta(hours=hours) if hours is not None else None
        ApiClient.objects.filter(pk=c.pk).update(last_used_at=used)
    url = reverse("api:client_list")
    assert order_on_page(client, url, names, sort="used") == ["C前置", "A前置", "B前置"]
    assert order_on_page(client, url, names, sort="-used") == ["A前置", "C前置", "B前置"]
    assert client.get(url, {"sort": "secret"}).status_code == 400
