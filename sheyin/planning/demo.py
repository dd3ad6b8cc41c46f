"""Demo data for layout planning: a small demand import, a candidate import and one finished site
recommendation for 朝阳区, so the pages show something at once. Idempotent; a few seconds."""

from __future__ import annotations

import contextlib
import random
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from sheyin.common import geo
from sheyin.institutions.models import Agency

from . import services
from .models import CandidateImport, CandidateSource, DemandImport, PlannedSite, PlanRun

DISTRICT = "110105"
DEMAND_NAME = "朝阳区街道常住人口（示例）"
CANDIDATE_NAME = "朝阳区候选物业点位（示例）"


def _csv(rows: list[list[Any]], header: list[str]) -> SimpleUploadedFile:
    body = "\n".join([",".join(header)] + [",".join(str(v) for v in r) for r in rows]) + "\n"
    return SimpleUploadedFile("demo.csv", body.encode("utf-8"), content_type="text/csv")


def seed(rng: random.Random, stdout: Any) -> None:
    district = Agency.objects.filter(code=DISTRICT).first()
    if district is None:
        return
    if not DemandImport.objects.filter(name=DEMAND_NAME).exists():
        pts = geo.random_points_in(DISTRICT, 160, rng)
        rows = [[lon, lat, rng.randint(4000, 40000)] for lon, lat in pts]
        services.demand_import_create(
            name=DEMAND_NAME, district=district, upload=_csv(rows, ["经度", "纬度", "权重"]), by=None
        )
    if not CandidateImport.objects.filter(name=CANDIDATE_NAME).exists():
        pts = geo.random_points_in(DISTRICT, 40, rng)
        names: list[list[Any]] = [[lon, lat, f"候选点位{i:02d}"] for i, (lon, lat) in enumerate(pts, start=1)]
        services.candidate_import_create(
            name=CANDIDATE_NAME, district=district, upload=_csv(names, ["经度", "纬度", "名称"]), by=None
        )
    if not PlanRun.objects.filter(district=district).exists():
        run = services.plan_run_create(
            district=district, k=8, candidate_source=CandidateSource.GRID, grid_spacing_m=1000,
            time_limit_s=20, by=None, start=False,
        )  # fmt: skip
        services.plan_run_execute(run_id=run.pk)
        run.refresh_from_db()
        # The district adopts the best recommended site: the layout map shows it, banks may apply there.
        if run.result and run.result.get("sites") and not PlannedSite.objects.exists():
            with contextlib.suppress(ValidationError):  # no longer fits the layout rule: adopt nothing
                services.planned_site_adopt(run=run, rank=1, note="示例：拟在此设立合作网点", by=None)
    stdout.write(
        f"planning demo: {DemandImport.objects.count()} demand imports, {PlanRun.objects.count()} plan runs, "
        f"{PlannedSite.objects.count()} planned sites"
    )
