"""The portal's cached public reads: a cached read costs no query, and a write shows on the next read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from sheyin.catalogue.models import CatalogueVersion
from sheyin.institutions.models import OutletStatus
from sheyin.institutions.tests.factories import OutletFactory
from sheyin.portal import cache as public_cache
from sheyin.portal import selectors
from sheyin.portal.tests.factories import MaterialFactory, notice

pytestmark = pytest.mark.django_db


def _home(client: Any) -> str:
    resp = client.get("/")
    assert resp.status_code == 200
    return str(resp.content.decode())


def test_the_home_page_read_again_costs_no_query_for_its_public_data(
    reference, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    OutletFactory()
    selectors.home_data()
    selectors.catalogue_in_force()
    with django_assert_num_queries(0):
        assert selectors.home_data()["district_counts"]
        assert selectors.catalogue_in_force() is not None


def test_a_new_notice_shows_on_the_home_page_at_the_next_read(client, reference) -> None:  # type: ignore[no-untyped-def]
    assert "网点迁址公示" not in _home(client)
    notice(title="网点迁址公示")
    assert "网点迁址公示" in _home(client)


def test_a_published_material_shows_and_a_deleted_one_goes_at_the_next_read(client, reference) -> None:  # type: ignore[no-untyped-def]
    _home(client)
    material = MaterialFactory(title="灵活就业参保指南")
    assert "灵活就业参保指南" in _home(client)
    material.delete()
    assert "灵活就业参保指南" not in _home(client)


def test_an_outlet_opening_or_terminating_changes_the_district_counts_at_the_next_read(reference) -> None:  # type: ignore[no-untyped-def]
    def total() -> int:
        return sum(c["n"] for c in selectors.home_data()["district_counts"])

    before = total()
    outlet = OutletFactory()
    assert total() == before + 1
    outlet.status = OutletStatus.TERMINATED
    outlet.save()
    assert total() == before


def test_a_notice_dated_in_the_future_is_not_cached_past_its_time(reference, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    stored: list[int] = []
    real_set = cache.set

    def recording_set(key: str, value: Any, timeout: int | None = None) -> None:
        stored.append(timeout or 0)
        real_set(key, value, timeout)

    monkeypatch.setattr(cache, "set", recording_set)
    notice(title="两分钟后发布的公示", days_ago=-2 / (24 * 60))
    selectors.home_data()
    assert stored and 100 <= stored[-1] <= 120


def test_a_value_that_changes_within_a_second_is_not_cached(reference) -> None:  # type: ignore[no-untyped-def]
    calls: list[int] = []

    def build() -> tuple[int, dt.datetime]:
        calls.append(1)
        return len(calls), timezone.now() + dt.timedelta(milliseconds=500)

    assert public_cache.cached("soon", build) == 1
    assert public_cache.cached("soon", build) == 2


def test_a_catalogue_write_starts_a_new_generation(reference) -> None:  # type: ignore[no-untyped-def]
    selectors.catalogue_in_force()
    before = public_cache.PUBLIC.generation()
    CatalogueVersion.objects.create(number=CatalogueVersion.objects.count() + 100)
    assert public_cache.PUBLIC.generation() != before


def test_the_catalogue_in_force_is_cached_per_language(reference) -> None:  # type: ignore[no-untyped-def]
    from django.utils import translation

    with translation.override("zh-hans"):
        zh = selectors.catalogue_in_force()
    with translation.override("en"):
        en = selectors.catalogue_in_force()
    assert zh is not None and en is not None
    assert [i.code for i in zh.items] == [i.code for i in en.items]
    assert [i.category_label for i in zh.items] != [i.category_label for i in en.items]
