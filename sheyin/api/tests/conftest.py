from __future__ import annotations

import pytest
from django.core.cache import cache

from sheyin.api.tests.factories import SignedClient, api_client_for
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district


@pytest.fixture(autouse=True)
def _fresh_rate_counters():  # type: ignore[no-untyped-def]
    """Rate-limit counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(reference):  # type: ignore[no-untyped-def]
    """Two banks with two outlets each, and a signed client for each bank."""
    home, other = BankFactory(short_name="本行"), BankFactory(short_name="他行")
    outlets = {
        "home": OutletFactory(bank=home, name="本行朝阳网点"),
        "home_haidian": OutletFactory(bank=home, district=district("110108"), name="本行海淀网点"),
        "other": OutletFactory(bank=other, name="他行朝阳网点"),
        "other_applying": OutletFactory(bank=other, name="他行申请中网点", status="applying"),
    }
    home_client, home_secret = api_client_for(home)
    other_client, other_secret = api_client_for(other)
    return {
        "home": home,
        "other": other,
        "outlets": outlets,
        "home_api": SignedClient(home_client, home_secret),
        "other_api": SignedClient(other_client, other_secret),
    }
