"""The version in force at an instant (R9.2: a case records the version it was accepted under). The switch
happens exactly at the effective moment, Beijing time, whatever time zone the instant is written in."""

from __future__ import annotations

import datetime as dt

import pytest

from sheyin.catalogue import selectors
from sheyin.catalogue.models import CatalogueVersion

from .factories import published, row, shanghai, version

pytestmark = pytest.mark.django_db

LAST_MOMENT = shanghai(2026, 11, 30, 23, 59, 59, 999999)
SWITCH = shanghai(2026, 12, 1, 0, 0, 0)


@pytest.fixture
def versions(reference):  # type: ignore[no-untyped-def]
    v1 = CatalogueVersion.objects.get(number=1)
    v2 = published(2, SWITCH, items=[row(code="SY-Q-001", name="第二版的名称")], based_on=v1)
    return v1, v2


def test_a_version_effective_at_midnight_is_not_in_force_one_microsecond_before(versions) -> None:  # type: ignore[no-untyped-def]
    v1, v2 = versions
    assert selectors.version_in_force(LAST_MOMENT) == v1
    assert selectors.version_in_force(SWITCH) == v2
    assert selectors.version_in_force(SWITCH + dt.timedelta(microseconds=1)) == v2


def test_the_switch_is_the_same_instant_written_in_utc(versions) -> None:  # type: ignore[no-untyped-def]
    _v1, v2 = versions
    utc = dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)
    assert selectors.version_in_force(utc) == v2
    assert selectors.version_in_force(utc - dt.timedelta(microseconds=1)).number == 1


def test_item_lookups_answer_with_the_version_in_force_at_that_instant(versions) -> None:  # type: ignore[no-untyped-def]
    v1, v2 = versions
    before, after = (
        selectors.item_in_force("SY-Q-001", LAST_MOMENT),
        selectors.item_in_force("SY-Q-001", SWITCH),
    )
    assert (before.version, before.name) == (v1, "个人权益记录（参保缴费信息）查询打印")
    assert (after.version, after.name) == (v2, "第二版的名称")
    assert selectors.item_in_force("SY-C-002", SWITCH) is None  # not listed in version 2
    assert selectors.item_in_force("SY-C-002", LAST_MOMENT).needs_card_machine


def test_nothing_is_in_force_before_the_first_version_and_drafts_never_are(versions) -> None:  # type: ignore[no-untyped-def]
    assert selectors.version_in_force(shanghai(2025, 12, 31, 23, 59)) is None
    assert selectors.item_in_force("SY-Q-001", shanghai(2025, 12, 31)) is None
    version(3, items=[row()])
    assert selectors.version_in_force(shanghai(2030, 1, 1)).number == 2


def test_a_naive_instant_is_refused_rather_than_guessed(versions) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="timezone-aware"):
        selectors.version_in_force(dt.datetime(2026, 12, 1))


def test_the_api_answers_for_an_instant(client, versions) -> None:  # type: ignore[no-untyped-def]
    before = client.get("/api/v1/catalogue/", {"at": "2026-11-30T23:59:59.999999+08:00"}).json()
    at = client.get("/api/v1/catalogue/", {"at": "2026-12-01T00:00:00"}).json()  # no offset: Beijing time
    assert (before["version"]["number"], at["version"]["number"]) == (1, 2)
    assert [i["code"] for i in at["items"]] == ["SY-Q-001"]
    item = client.get("/api/v1/catalogue/items/sy-c-002", {"at": "2026-11-30T12:00:00+08:00"}).json()
    assert (item["name"], item["channels"], item["needs_card_machine"]) == (
        "社保卡即时制卡/补换卡",
        ["W"],
        True,
    )
    assert (
        client.get("/api/v1/catalogue/items/SY-C-002", {"at": "2026-12-01T00:00:00+08:00"}).status_code == 404
    )
    assert client.get("/api/v1/catalogue/", {"at": "2025-06-01T00:00:00+08:00"}).status_code == 404
    assert [v["number"] for v in client.get("/api/v1/catalogue/versions").json()] == [2, 1]
