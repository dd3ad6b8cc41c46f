"""Load Beijing reference data: the municipal center and the 16 district agencies. Idempotent."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction
from shapely.geometry import Point

from sheyin.audit.services import record
from sheyin.common import geo
from sheyin.common.hooks import app_modules
from sheyin.institutions.models import Agency

# Defaults from domain.md (R8.4 layout rule, coverage radius); the municipal center edits them later.
CORE = {"110101", "110102"}
CENTRAL = {"110101", "110102", "110105", "110106", "110107", "110108"}
MUNICIPAL = {
    "code": "110000",
    "name": "北京市社会保险基金管理中心",
    "address": "北京市西城区月坛南街",
    "lon": 116.345,
    "lat": 39.913,
}


def layout_defaults(code: str) -> dict[str, int]:
    distance = 1000 if code in CORE else 1500 if code in CENTRAL else 3000
    return {
        "min_outlet_distance_m": distance,
        "min_office_distance_m": distance,
        "coverage_radius_m": 1000 if code in CENTRAL else 5000,
    }


def office_point(code: str) -> tuple[float, float]:
    d = geo.districts()[code]
    polygon = geo.boundaries()[code]
    if polygon.covers(Point(*d.center)):
        return d.center
    p = polygon.representative_point()
    return round(p.x, 6), round(p.y, 6)


class Command(BaseCommand):
    help = "Load the municipal center and the 16 district agencies with census figures (idempotent)."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        created = 0
        _, made = Agency.objects.get_or_create(
            code=MUNICIPAL["code"],
            defaults={**MUNICIPAL, "level": Agency.Level.MUNICIPAL, "district_name": "北京市"},
        )
        created += made
        for code, d in geo.districts().items():
            lon, lat = office_point(code)
            agency, made = Agency.objects.get_or_create(
                code=code,
                defaults={
                    "level": Agency.Level.DISTRICT,
                    "name": f"北京市{d.name}社会保险事业管理中心",
                    "district_name": d.name,
                    "address": f"北京市{d.name}",
                    "lon": lon,
                    "lat": lat,
                    "population": d.population,
                    "area_km2": d.area_km2,
                    **layout_defaults(code),
                },
            )
            if made:
                created += 1
                record(action="agency.seed", obj=agency)
        self.stdout.write(f"reference data: {created} agencies created, {Agency.objects.count()} in all")
        # Other apps' reference data (e.g. the default service catalogue): `<app>/reference.py: load(stdout)`.
        for module in app_modules("reference"):
            module.load(self.stdout)
