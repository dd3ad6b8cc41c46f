"""The user list sorts by account and name (issue 18 item 3)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.accounts.models import User
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common.tests.sorting import order_on_page
from sheyin.institutions.tests.factories import municipal

pytestmark = pytest.mark.django_db


def test_the_users_sort_by_account_and_name_both_ways(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.SYSTEM_ADMIN, agency=municipal()))
    users = [user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal()) for _ in range(3)]
    for u, account, name in zip(users, ("zz-b", "zz-a", "zz-c"), ("B王", "C李", "A张"), strict=True):
        User.objects.filter(pk=u.pk).update(username=account, display_name=name)
    url = reverse("accounts:user_list")
    accounts = ["zz-a", "zz-b", "zz-c"]
    assert order_on_page(client, url, accounts, q="zz-", sort="username") == accounts
    assert order_on_page(client, url, accounts, q="zz-", sort="-username") == accounts[::-1]
    assert order_on_page(client, url, accounts, q="zz-", sort="name") == ["zz-c", "zz-b", "zz-a"]
    assert client.get(url, {"sort": "password"}).status_code == 400
