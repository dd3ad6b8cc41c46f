"""Scoped reads for layout planning. Every page reads through these (design rule 2)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from sheyin.accounts.roles import LEVEL, Level, Role
from sheyin.accounts.scope import assignments_of, scoped
from sheyin.institutions import selectors as registry
from sheyin.institutions.models import Agency, Branch, Outlet

from . import coverage
from .models import (
    CandidateImport,
    CandidateSite,
    DemandImport,
    DemandPoint,
    PlannedSite,
    PlannedSiteStatus,
    PlanningSettings,
    PlanRun,
)

MAP_STATUSES = ("operating", "accepted", "applying", "suspended")
ON_THE_GROUND = ("operating", "accepted", "suspended")  # always kept apart from new sites (R8.4)


# --- which districts a user plans -------------------------------------------------------------------


def plans_city(user: Any) -> bool:
    """Municipal users plan (and see) the whole city."""
    return any(LEVEL[Role(a.role)] == Level.ALL for a in assignments_of(user))


def planning_districts(user: Any) -> QuerySet[Agency]:
    """The district agencies whose layout the user may see: all 16 for municipal users, else their own."""
    qs = registry.districts()
    if plans_city(user):
        return qs
    own = [a.agency_id for a in assignments_of(user) if LEVEL[Role(a.role)] == Level.DISTRICT and a.agency_id]
    return qs.filter(pk__in=own)


def district_by_code(user: Any, code: str) -> Agency | None:
    return planning_districts(user).filter(code=code).first()


def rules() -> dict[str, coverage.DistrictRule]:
    """Each district's coverage radius and minimum distances, as the municipal center set them (R8.4)."""
    return {
        a.code: coverage.DistrictRule(
            code=a.code,
            name=a.district_name,
            agency_id=a.pk,
            population=a.population,
            radius_m=float(a.coverage_radius_m),
            min_outlet_m=float(a.min_outlet_distance_m),
            min_office_m=float(a.min_office_distance_m),
        )
        for a in registry.districts()
    }


# --- outlets, offices, branches -------------------------------------------------------------------


def _site(o: Outlet) -> coverage.Site:
    return coverage.Site(
        pk=o.pk,
        name=o.name,
        bank=o.bank.short_name,
        status=o.status,
        code=o.district.code,
        lon=o.lon,
        lat=o.lat,
    )


def map_outlets(
    user: Any, codes: Sequence[str], statuses: Iterable[str] = MAP_STATUSES
) -> list[coverage.Site]:
    """Outlets in the user's scope in the given districts, for drawing (with projected coordinates)."""
    qs = registry.outlets_for(user).filter(district__code__in=list(codes), status__in=list(statuses))
    return coverage.with_xy([_site(o) for o in qs.order_by("code")])


def layout_sites(statuses: Iterable[str] = ("operating", "accepted", "suspended")) -> list[coverage.Site]:
    """Every outlet of the given statuses in Beijing, for coverage and the minimum-distance rule.

    Deliberately not scoped: coverage near a district line depends on the neighbours' outlets, and the
    layout rule (R8.4) holds across district lines. Outlet names and locations are public information
    (R10.3, published on the portal); pages draw only the outlets in the user's scope in full.
    """
    qs = Outlet.objects.filter(status__in=list(statuses)).select_related("bank", "district").order_by("code")
    return coverage.with_xy([_site(o) for o in qs])


def planning_settings() -> PlanningSettings:
    """The one settings row (created with the defaults on first read)."""
    obj = PlanningSettings.objects.order_by("pk").first()
    return obj if obj is not None else PlanningSettings.objects.create()


def spacing_statuses(settings: PlanningSettings | None = None) -> list[str]:
    """What a site recommendation counts as existing (kept apart from new sites, its area as served):
    outlets on the ground, outlets under application and adopted sites as the settings say."""
    settings = settings or planning_settings()
    out = list(ON_THE_GROUND)
    if settings.space_from_applying:
        out.append("applying")
    if settings.space_from_planned:
        out.append("planned")
    return out


def planned_site_points(exclude_with_live_application: bool = True) -> list[coverage.Site]:
    """Adopted planned sites, as sites (status "planned") for the map and the spacing rule. A site with a
    live outlet application is left out: the applying outlet itself stands for it."""
    qs = PlannedSite.objects.filter(status=PlannedSiteStatus.PLANNED).select_related("district")
    if exclude_with_live_application:
        qs = qs.exclude(applications__status__in=LIVE_APPLICATION)
    return coverage.with_xy(
        [
            coverage.Site(-s.pk, s.name, "", "planned", s.district.code, s.lon, s.lat)
            for s in qs.order_by("pk")
        ]
    )


def committed_sites(statuses: Sequence[str]) -> list[coverage.Site]:
    """Every outlet (and adopted site) a run counts as existing, for the given statuses."""
    sites = layout_sites([s for s in statuses if s != "planned"])
    if "planned" in statuses:
        sites += planned_site_points()
    return sites


def offices() -> list[coverage.Office]:
    """SI agency offices with a location (public reference data)."""
    return coverage.with_xy(
        [
            coverage.Office(pk=a.pk, name=a.name, lon=float(a.lon), lat=float(a.lat))
            for a in registry.offices()
            if a.lon is not None and a.lat is not None
        ]
    )


def candidate_branches(user: Any, codes: Sequence[str]) -> QuerySet[Branch]:
    """Bank branches that are not yet cooperation outlets, in the given districts and the user's scope
    (``user=None``: the plan-run job, whose scope was checked when the run was queued)."""
    base = Branch.objects.select_related("bank", "district") if user is None else registry.branches_for(user)
    return (
        base.filter(district__code__in=list(codes))
        .annotate(n_outlets=Count("outlets"))
        .filter(n_outlets=0)
        .order_by("district__code", "bank__name", "name")
    )


# --- adopted sites -----------------------------------------------------------------------------------

# An application that still leads to an outlet (a withdrawn or rejected one frees the planned site).
LIVE_APPLICATION = ("draft", "submitted", "returned", "reviewing", "inspected", "rectifying", "accepted")


def planned_sites_for(user: Any) -> QuerySet[PlannedSite]:
    """Adopted sites in the user's scope (district: its own; municipal: all; banks: every open one)."""
    return scoped(PlannedSite.objects.select_related("district", "run", "created_by"), user)


def open_planned_sites_for(user: Any) -> QuerySet[PlannedSite]:
    """Planned sites a bank may still start an outlet application at."""
    return (
        planned_sites_for(user)
        .filter(status=PlannedSiteStatus.PLANNED)
        .exclude(applications__status__in=LIVE_APPLICATION)
    )


# --- imports and runs ---------------------------------------------------------------------------------


def demand_imports_for(user: Any) -> QuerySet[DemandImport]:
    return scoped(DemandImport.objects.select_related("district", "created_by"), user)


def candidate_imports_for(user: Any) -> QuerySet[CandidateImport]:
    return scoped(CandidateImport.objects.select_related("district", "created_by"), user)


def demand_points_for(user: Any) -> QuerySet[DemandPoint]:
    return scoped(DemandPoint.objects.all(), user)


def candidate_sites_for(user: Any) -> QuerySet[CandidateSite]:
    return scoped(CandidateSite.objects.all(), user)


def runs_for(user: Any) -> QuerySet[PlanRun]:
    return scoped(
        PlanRun.objects.select_related("district", "created_by", "demand_import", "candidate_import"), user
    )


def demand_import_points(imp: DemandImport, codes: Sequence[str]) -> list[tuple[float, float, float, str]]:
    """The points of an import (already read through a scoped selector) in the given districts."""
    return list(imp.points.filter(adcode__in=list(codes)).values_list("lon", "lat", "weight", "adcode"))


def candidate_import_sites(imp: CandidateImport, codes: Sequence[str]) -> list[CandidateSite]:
    return list(imp.sites.filter(adcode__in=list(codes)).order_by("row"))


# --- the layout of a district or the city ------------------------------------------------------------


@dataclass
class Layout:
    """What the layout map, the coverage report and the PDF plan show for one scope."""

    codes: list[str]
    district: Agency | None
    rules: dict[str, coverage.DistrictRule]
    demand: coverage.Demand
    analysis: coverage.Analysis
    visible: list[coverage.Site]  # outlets in the user's scope, drawn in full
    neighbours: list[coverage.Site]  # operating outlets of other districts near the scope (positions only)
    offices: list[coverage.Office]
    cases_available: bool
    planned: list[coverage.Site] = field(default_factory=list)  # adopted sites without a live application
    demand_import: DemandImport | None = None
    case_counts: dict[int, int] = field(default_factory=dict)  # business frequency: its own layer

    @property
    def scope_name(self) -> str:
        return self.district.district_name if self.district is not None else _("全市")


def scope_demand(
    codes: Sequence[str], rules: dict[str, coverage.DistrictRule], demand_import: DemandImport | None = None
) -> coverage.Demand:
    """The demand of a scope: the census grid, or an imported demand layer (its points in the scope)."""
    if demand_import is not None:
        return coverage.imported_demand(demand_import_points(demand_import, codes), rules)
    return coverage.census_demand(rules, codes)


def existing_coverage(
    user: Any, district: Agency | None = None, *, demand_import: DemandImport | None = None
) -> coverage.Analysis:
    """Existing coverage of a district or (``district=None``, municipal users) the city: the share of the
    population within the radius of an operating outlet, per district and in total — the one figure the
    coverage page, the layout map, site recommendations, the PDF and dashboards show (census demand unless
    an imported layer is given). Raises PermissionDenied outside the user's scope."""
    from django.core.exceptions import PermissionDenied

    if district is None and not plans_city(user):
        raise PermissionDenied
    if district is not None and not planning_districts(user).filter(pk=district.pk).exists():
        raise PermissionDenied
    all_rules = rules()
    codes = [district.code] if district is not None else list(all_rules)
    d = scope_demand(codes, all_rules, demand_import)
    return coverage.existing_coverage(d, layout_sites(coverage.COVERING), all_rules, codes)


def layout(
    user: Any,
    district: Agency | None,
    *,
    demand_import: DemandImport | None = None,
    terminated: bool = False,
    with_areas: bool = True,
    draw: int = 200,
) -> Layout:
    """Coverage, uncovered areas and rule checks for a district (or the city) as this user may see it."""
    all_rules = rules()
    codes = [district.code] if district is not None else list(all_rules)
    sites = layout_sites()
    counts = coverage.case_counts_by_outlet()
    d = scope_demand(codes, all_rules, demand_import)
    analysis = coverage.analyse(d, sites, offices(), all_rules, codes, with_areas=with_areas, draw=draw)
    statuses = (*MAP_STATUSES, "terminated") if terminated else MAP_STATUSES
    visible = map_outlets(user, codes, statuses)
    seen = {s.pk for s in visible}
    box = coverage.bbox(codes, pad=0.06)
    neighbours = [
        s
        for s in sites
        if s.pk not in seen and s.status == "operating" and s.code not in codes
        and box[0] <= s.lon <= box[2] and box[1] <= s.lat <= box[3]
    ]  # fmt: skip
    planned = [s for s in planned_site_points() if s.code in codes]
    return Layout(codes, district, all_rules, d, analysis, visible, neighbours, offices(), bool(counts), planned,
                  demand_import, counts or {})  # fmt: skip
