"""Planning test helpers: point imports and plan runs straight into the tables, and uploads as users send them."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from sheyin.institutions.models import Agency
from sheyin.planning.models import (
    CandidateImport,
    CandidateSite,
    CandidateSource,
    DemandImport,
    DemandPoint,
    PlanRun,
)

EARTH_M_PER_DEG_LAT = 111_320.0


def offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    """A point ``east_m``/``north_m`` metres from (lon, lat) (small offsets, local flat approximation)."""
    return (
        lon + east_m / (EARTH_M_PER_DEG_LAT * math.cos(math.radians(lat))),
        lat + north_m / EARTH_M_PER_DEG_LAT,
    )


def csv_upload(rows: Sequence[Sequence[Any]], header: Sequence[str] | None = ("经度", "纬度", "权重"),
               name: str = "points.csv", encoding: str = "utf-8") -> SimpleUploadedFile:  # fmt: skip
    lines = [",".join(header)] if header else []
    lines += [",".join("" if v is None else str(v) for v in r) for r in rows]
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode(encoding), content_type="text/csv")


def xlsx_upload(
    rows: Sequence[Sequence[Any]], header: Sequence[str] = ("经度", "纬度", "权重")
) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("points.xlsx", buf.getvalue())


def demand_import(district: Agency | None, points: Sequence[tuple[float, float, float, str]] = (), name: str = "需求") -> DemandImport:  # fmt: skip
    imp = DemandImport(name=name, district=district, original_name="t.csv", rows=len(points),
                       total_weight=sum(p[2] for p in points))  # fmt: skip
    imp.file.save("points.csv", ContentFile(b"lon,lat,weight\n"), save=False)
    imp.save()
    DemandPoint.objects.bulk_create(
        [
            DemandPoint(demand_import=imp, row=i + 2, lon=p[0], lat=p[1], weight=p[2], adcode=p[3])
            for i, p in enumerate(points)
        ]
    )
    return imp


def candidate_import(district: Agency | None, points: Sequence[tuple[float, float, str]] = (), name: str = "候选") -> CandidateImport:  # fmt: skip
    imp = CandidateImport(name=name, district=district, original_name="t.csv", rows=len(points))
    imp.file.save("points.csv", ContentFile(b"lon,lat\n"), save=False)
    imp.save()
    CandidateSite.objects.bulk_create(
        [
            CandidateSite(candidate_import=imp, row=i + 2, name=f"点{i}", lon=p[0], lat=p[1], adcode=p[2])
            for i, p in enumerate(points)
        ]
    )
    return imp


def plan_run(district: Agency | None, **kw: Any) -> PlanRun:
    data: dict[str, Any] = {
        "k": 2, "radius_m": 1000, "min_outlet_m": 1500, "min_office_m": 1500,
        "candidate_source": CandidateSource.GRID, "grid_spacing_m": 1000,
    }  # fmt: skip
    data.update(kw)
    return PlanRun.objects.create(district=district, **data)
