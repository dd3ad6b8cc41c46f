"""The layout rule (R8.4): a new outlet keeps the minimum distances from every accepted, operating or
suspended outlet and from every SI agency office. Between two outlets of different districts the larger
of the two districts' minimums applies (``institutions.rules.pair_spacing_m``, the one cross-district
rule); to an office, the new outlet's district minimum. Pure computation over the registry."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from sheyin.common.geo import distance_m
from sheyin.institutions.models import Agency, Outlet, OutletStatus
from sheyin.institutions.rules import pair_spacing_m
from sheyin.institutions.selectors import offices

# Outlets that exist on the ground (suspended ones reopen, so they count too).
EXISTING = (OutletStatus.ACCEPTED, OutletStatus.OPERATING, OutletStatus.SUSPENDED)


@dataclass
class Neighbour:
    kind: str  # "outlet" | "office"
    pk: int
    name: str
    lon: float
    lat: float
    distance_m: int
    limit_m: int
    detail: str = ""

    @property
    def violates(self) -> bool:
        return self.distance_m < self.limit_m


@dataclass
class LayoutResult:
    lon: float
    lat: float
    district: str
    min_outlet_m: int
    min_office_m: int
    outlets: list[Neighbour] = field(default_factory=list)  # the nearest ones, for the map
    offices: list[Neighbour] = field(default_factory=list)
    violations: list[Neighbour] = field(default_factory=list)  # every one inside a minimum distance

    @property
    def ok(self) -> bool:
        return not self.violations

    def violation_texts(self) -> list[str]:
        return [describe(v) for v in self.violations]

    def as_json(self) -> dict[str, Any]:
        return {
            "lon": self.lon,
            "lat": self.lat,
            "district": self.district,
            "min_outlet_m": self.min_outlet_m,
            "min_office_m": self.min_office_m,
            "outlets": [asdict(n) for n in self.outlets],
            "offices": [asdict(n) for n in self.offices],
            "violations": [asdict(n) for n in self.violations],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LayoutResult:
        return cls(
            lon=data["lon"],
            lat=data["lat"],
            district=data["district"],
            min_outlet_m=data["min_outlet_m"],
            min_office_m=data["min_office_m"],
            outlets=[Neighbour(**n) for n in data.get("outlets", [])],
            offices=[Neighbour(**n) for n in data.get("offices", [])],
            violations=[Neighbour(**n) for n in data.get("violations", [])],
        )


def describe(n: Neighbour) -> str:
    if n.kind == "office":
        return _("距经办机构“%(name)s”%(d)d米，小于最小距离%(limit)d米") % {
            "name": n.name,
            "d": n.distance_m,
            "limit": n.limit_m,
        }
    return _("距网点“%(name)s”%(d)d米，小于最小间距%(limit)d米") % {
        "name": n.name,
        "d": n.distance_m,
        "limit": n.limit_m,
    }


def check(
    *, lon: float, lat: float, district: Agency, exclude_outlet_id: int | None = None, nearest: int = 8
) -> LayoutResult:
    """Distances to every existing outlet in Beijing (neighbours across a district line count too) and to
    every agency office, against the minimum distances (the larger of the two districts' for a pair of
    outlets, the declared district's for an office)."""
    result = LayoutResult(
        lon=lon,
        lat=lat,
        district=district.district_name or district.name,
        min_outlet_m=district.min_outlet_distance_m,
        min_office_m=district.min_office_distance_m,
    )
    existing = Outlet.objects.filter(status__in=EXISTING)
    if exclude_outlet_id is not None:
        existing = existing.exclude(pk=exclude_outlet_id)
    rows = existing.values_list(
        "pk", "name", "lon", "lat", "bank__short_name", "district__min_outlet_distance_m"
    )
    outs = [
        Neighbour("outlet", pk, name, x, y, round(distance_m(lon, lat, x, y)),
                  round(pair_spacing_m(result.min_outlet_m, other_min)), bank)
        for pk, name, x, y, bank, other_min in rows
    ]  # fmt: skip
    offs = [
        Neighbour(
            "office",
            a.pk,
            a.name,
            a.lon,
            a.lat,
            round(distance_m(lon, lat, a.lon, a.lat)),
            result.min_office_m,
            a.district_name,
        )
        for a in offices()
        if a.lon is not None and a.lat is not None
    ]
    outs.sort(key=lambda n: n.distance_m)
    offs.sort(key=lambda n: n.distance_m)
    result.outlets = outs[:nearest]
    result.offices = offs[: max(3, nearest // 2)]
    result.violations = [n for n in outs if n.violates] + [n for n in offs if n.violates]
    return result
