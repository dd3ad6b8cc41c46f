"""Factories for the registry. Outlets are placed inside their district's real boundary."""

from __future__ import annotations

import random
from typing import Any

import factory

from sheyin.common import geo
from sheyin.common.identifiers import make_uscc
from sheyin.institutions.models import Agency, Bank, Branch, Outlet, OutletStatus

_rng = random.Random(7)


def district(code: str = "110105") -> Agency:
    """A district agency from the reference data (call with the `reference` fixture active)."""
    return Agency.objects.get(code=code)


def municipal() -> Agency:
    return Agency.objects.get(level=Agency.Level.MUNICIPAL)


class BankFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bank

    name = factory.Sequence(lambda n: f"测试银行{n}股份有限公司北京分行")
    short_name = factory.Sequence(lambda n: f"测试银行{n}")
    uscc = factory.Sequence(lambda n: make_uscc(f"91110000{n + 500:09d}"))
    status = Bank.Status.ACTIVE


def point_in(code: str) -> tuple[float, float]:
    return geo.random_points_in(code, 1, _rng)[0]


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    bank = factory.SubFactory(BankFactory)
    name = factory.Sequence(lambda n: f"测试支行{n}")
    district = factory.LazyFunction(lambda: district("110105"))
    address = "北京市朝阳区测试路1号"
    lon = factory.LazyAttribute(lambda o: o.point[0])
    lat = factory.LazyAttribute(lambda o: o.point[1])

    class Params:
        point = factory.LazyAttribute(lambda o: point_in(o.district.code))


class OutletFactory(factory.django.DjangoModelFactory):
    """An outlet straight into the table (tests of the services themselves use the services)."""

    class Meta:
        model = Outlet

    bank = factory.SubFactory(BankFactory)
    code = factory.Sequence(lambda n: f"WDT{n:06d}")
    name = factory.Sequence(lambda n: f"测试网点{n}")
    district = factory.LazyFunction(lambda: district("110105"))
    address = "北京市朝阳区测试路8号"
    status = OutletStatus.OPERATING
    lon = factory.LazyAttribute(lambda o: o.point[0])
    lat = factory.LazyAttribute(lambda o: o.point[1])

    class Params:
        point = factory.LazyAttribute(lambda o: point_in(o.district.code))


def outlet_data(**overrides: Any) -> dict[str, Any]:
    """Valid input for `outlet_create`."""
    d = overrides.pop("district", None) or district("110105")
    lon, lat = point_in(d.code)
    data = {
        "name": "新网点",
        "district": d,
        "address": "北京市朝阳区某路1号",
        "lon": lon,
        "lat": lat,
        "windows": 1,
    }
    data.update(overrides)
    return data
