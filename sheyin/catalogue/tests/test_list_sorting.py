"""The catalogue's item, version and proposal lists sort by their column headers (issue 18 item 3); the items
keep the annex order (queries, registration, benefits, cards) until a column is chosen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.catalogue.tests.factories import admin, published, row, shanghai, version
from sheyin.common.tests.sorting import order_on_page

pytestmark = pytest.mark.django_db


def test_the_items_of_a_version_sort_by_their_time_limit_both_ways(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(admin())
    names = ["A卡事项", "B查询事项", "C待遇事项"]
    v = version(90, items=[
        row(code="SY-C-901", name=names[0], category="card", time_limit_days=5),
        row(code="SY-Q-901", name=names[1], category="query", time_limit_days=0),
        row(code="SY-B-901", name=names[2], category="benefits", time_limit_days=20),
    ])  # fmt: skip
    url = reverse("catalogue:version_detail", args=[v.pk])
    assert order_on_page(client, url, names) == ["B查询事项", "C待遇事项", "A卡事项"]  # the annex order
    assert order_on_page(client, url, names, sort="days") == ["B查询事项", "A卡事项", "C待遇事项"]
    assert order_on_page(client, url, names, sort="-days") == ["C待遇事项", "A卡事项", "B查询事项"]
    assert client.get(url, {"sort": "risk"}).status_code == 400


def test_the_versions_sort_by_number_both_ways(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(admin())
    for number, month in ((91, 3), (93, 1), (92, 2)):
        published(number, shanghai(2020, month, 1))
    url = reverse("catalogue:version_list")
    markers = ["第91版", "第92版", "第93版"]
    assert order_on_page(client, url, markers, sort="number") == markers
    assert order_on_page(client, url, markers, sort="-number") == markers[::-1]
    assert order_on_page(client, url, markers, sort="effective") == ["第93版", "第92版", "第91版"]
