"""Layout planning pages (R10.1, R8.4): the layout map, the coverage report, site recommendations, imports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sheyin.common import geo
from sheyin.common.access import permission_required
from sheyin.common.db_routing import reads_may_lag
from sheyin.common.forms import apply_errors
from sheyin.common.listing import paginate
from sheyin.institutions.models import Agency, OutletStatus

from . import coverage, exports, selectors, services
from .forms import AdoptForm, ImportForm, PlanningSettingsForm, PlanRunForm, WithdrawForm
from .models import CandidateImport, DemandImport, PlannedSiteStatus, PlanRun, RunStatus

FINISHED_WITH_SITES = (RunStatus.OPTIMAL, RunStatus.TIME_LIMIT)

MAX_WHATIF_ADDS = 50
MAX_WHATIF_REMOVALS = 500


# --- scope helpers -------------------------------------------------------------------------------------


def _district_or_city(request: HttpRequest, code: str | None) -> Agency | None:
    """The district for ``code`` if the user may plan it, None for the city (municipal only), else 404."""
    if not code or code == "city":
        if not selectors.plans_city(request.user):
            raise Http404
        return None
    district = selectors.district_by_code(request.user, code)
    if district is None:
        raise Http404
    return district


def _own_district(request: HttpRequest) -> Agency | None:
    return selectors.planning_districts(request.user).first()


def _demand_import(request: HttpRequest) -> DemandImport | None:
    pk = request.GET.get("demand", "").strip()
    if not pk.isdigit():
        return None
    return get_object_or_404(selectors.demand_imports_for(request.user), pk=int(pk))


def _imports_in(request: HttpRequest, district: Agency | None) -> Any:
    """Demand imports usable for this scope: the district's own and city-wide ones."""
    qs = selectors.demand_imports_for(request.user)
    if district is None:
        return qs
    return qs.filter(Q(district=district) | Q(district__isnull=True))


def _method_note(layout: selectors.Layout) -> dict[str, Any]:
    spacings = sorted({int(v) for v in layout.demand.spacing.values()})
    return {
        "method": layout.demand.method,
        "demand_name": layout.demand_import.name if layout.demand_import is not None else "",
        "cases_available": layout.cases_available,
        "spacings": "、".join(str(s) for s in spacings),
        "points": len(layout.demand),
    }


# --- layout map ----------------------------------------------------------------------------------------


def map_labels() -> dict[str, Any]:
    """Words the map script shows (translated here: scripts hold no text)."""
    return {
        "status": {v: str(label) for v, label in OutletStatus.choices},
        "offices": _("社保经办机构"), "neighbours": _("邻区网点"), "coverage": _("覆盖范围"),
        "heat": _("需求热力"), "uncovered": _("未覆盖片区"), "violations": _("间距违规"),
        "recommended": _("推荐新设网点"), "recommendedCoverage": _("推荐网点覆盖范围"), "greedy": _("快速方案"),
        "added": _("假设新增"), "addedCoverage": _("假设新增覆盖范围"), "removed": _("假设撤除"),
        "population": _("人口"), "area": _("面积"), "km2": _("平方公里"), "distance": _("距离"), "metres": _("米"),
        "whatifOn": _("关闭假设分析"), "whatifOff": _("开启假设分析"), "before": _("调整前覆盖率"),
        "after": _("调整后覆盖率"), "change": _("变化"), "newCovered": _("新增覆盖人口"),
        "newViolations": _("假设网点的间距问题："), "outside": _("个点不在北京市范围内，已忽略。"),
        "high": _("高"), "low": _("低"), "errorLoad": _("地图数据加载失败，请刷新重试。"),
        "planned": _("已采纳的规划点位"), "activity": _("业务量（近一年受理）"), "cases": _("件"),
        "uncoveredShown": _("未覆盖片区仅绘出人口最多的%(shown)s个（共%(total)s个），其余见覆盖分析。"),
    }  # fmt: skip


def map_config(data_url: str, recommended: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "dataUrl": data_url,
        "boundariesUrl": reverse("dashboards:boundaries"),
        "whatifUrl": reverse("planning:whatif"),
        "recommended": recommended,
        "labels": map_labels(),
    }


@permission_required("planning.view")
def index(request: HttpRequest) -> HttpResponse:
    return redirect("planning:map")


@permission_required("planning.view")
def layout_map(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """布局图: the city (municipal users) or one district, drawn on the district boundaries."""
    if code is None and request.GET.get("district"):
        return redirect("planning:map_district", code=request.GET["district"][:6])
    if code is None and not selectors.plans_city(request.user):
        own = _own_district(request)
        if own is None:
            raise PermissionDenied
        return redirect("planning:map_district", code=own.code)
    district = _district_or_city(request, code)
    demand_import = _demand_import(request)
    scope = district.code if district else "city"
    query = request.GET.copy()
    query["scope"] = scope
    data_url = reverse("planning:map_data") + "?" + query.urlencode()
    ctx = {
        "district": district,
        "scope": scope,
        "scope_name": district.district_name if district else _("全市"),
        "districts": selectors.planning_districts(request.user),
        "plans_city": selectors.plans_city(request.user),
        "demand_imports": _imports_in(request, district),
        "demand_import": demand_import,
        "terminated": request.GET.get("terminated") == "1",
        "map_config": map_config(data_url),
        "pdf_url": reverse("planning:map_pdf") + "?" + query.urlencode(),
        "rule": selectors.rules().get(district.code) if district else None,
    }
    return render(request, "planning/map.html", ctx)


def _site_json(s: coverage.Site, *, full: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": s.pk, "name": s.name, "lon": round(s.lon, 6), "lat": round(s.lat, 6), "status": s.status,
        "district": geo.districts()[s.code].name if s.code in geo.districts() else s.code,
    }  # fmt: skip
    if full:
        data["bank"] = s.bank
        data["status_label"] = str(OutletStatus(s.status).label)
        data["url"] = reverse("institutions:outlet_detail", args=[s.pk])
    return data


def map_payload(layout: selectors.Layout, *, areas: int = 200) -> dict[str, Any]:
    """Everything the layout map draws, in lon/lat."""
    rules = layout.rules
    city = len(layout.codes) > 1
    cover = [s for s in layout.visible if s.status in coverage.COVERING] + layout.neighbours
    cell = 2000.0 if city else max(500.0, max(layout.demand.spacing.values() or [500.0]))
    a = layout.analysis
    return {
        "scope": "city" if city else layout.codes[0],
        "scope_name": str(layout.scope_name),
        "codes": layout.codes,
        "district_names": [rules[c].name for c in layout.codes],
        "bbox": coverage.bbox(layout.codes),
        "outlets": [_site_json(s, full=True) for s in layout.visible],
        "neighbours": [_site_json(s, full=False) for s in layout.neighbours],
        "offices": [{"id": o.pk, "name": o.name, "lon": o.lon, "lat": o.lat} for o in layout.offices],
        "circles": [
            {"id": s.pk, "ring": ring}
            for s, ring in zip(cover, coverage.circles(cover, lambda s: rules[s.code].radius_m), strict=True)
        ],
        "heat": coverage.heat(layout.demand, cell),
        "heat_cell_m": cell,
        "uncovered_total": len(a.areas),
        "uncovered": [
            {
                "rank": x.rank,
                "population": round(x.population),
                "area_km2": round(x.area_km2, 2),
                "district": rules[x.code].name,
                "rings": x.rings,
            }
            for x in a.areas[:areas]
            if x.rings
        ],
        "violations": [
            {
                "kind": v.kind,
                "a": [v.a.lon, v.a.lat],
                "b": [v.b.lon, v.b.lat],
                "a_name": v.a.name,
                "b_name": v.b.name,
                "distance": round(v.distance_m),
                "limit": round(v.limit_m),
            }
            for v in a.violations
        ],
        "planned": [
            {"id": -p.pk, "name": p.name, "lon": round(p.lon, 6), "lat": round(p.lat, 6),
             "district": rules[p.code].name if p.code in rules else p.code}
            for p in layout.planned
        ],
        "planned_circles": [{"ring": ring} for ring in coverage.circles(layout.planned, lambda s: rules[s.code].radius_m)],
        "activity": [
            [round(s.lon, 6), round(s.lat, 6), layout.case_counts.get(s.pk, 0), s.name]
            for s in layout.visible
            if s.status in coverage.COVERING and layout.case_counts.get(s.pk)
        ],
        "figures": _figures(a),
    }  # fmt: skip


def _figures(a: coverage.Analysis) -> dict[str, Any]:
    return {
        "population": round(a.population),
        "covered": round(a.covered),
        "share": round(a.share, 4),
        "outlets": sum(d.outlets for d in a.districts),
        "areas": len(a.areas),
        "violations": len(a.violations),
        "districts": [
            {
                "code": d.code,
                "name": d.name,
                "share": round(d.share, 4),
                "covered": round(d.covered),
                "population": round(d.population),
                "radius": int(d.radius_m),
            }
            for d in a.districts
        ],
    }


@permission_required("planning.view")
def map_data(request: HttpRequest) -> JsonResponse:
    district = _district_or_city(request, request.GET.get("scope"))
    layout = selectors.layout(
        request.user,
        district,
        demand_import=_demand_import(request),
        terminated=request.GET.get("terminated") == "1",
    )
    return JsonResponse(map_payload(layout), json_dumps_params={"ensure_ascii": False})


def _parse_points(text: str) -> list[tuple[float, float]]:
    out = []
    for part in text.split(";"):
        if not part.strip():
            continue
        try:
            lon, lat = (float(v) for v in part.split(",")[:2])
        except ValueError:
            continue
        if geo.valid_coordinates(lon, lat):
            out.append((lon, lat))
    return out[:MAX_WHATIF_ADDS]


@permission_required("planning.view")
def whatif(request: HttpRequest) -> JsonResponse:
    """What-if: coverage with hypothetical outlets added and existing ones removed, answered at once.

    Read-only (nothing is stored), so a GET. The demand grid is cached in the process; the sites are
    read fresh (a few hundred rows), so a district answers in a few tens of milliseconds.
    """
    district = _district_or_city(request, request.GET.get("scope"))
    rules = selectors.rules()
    codes = [district.code] if district else list(rules)
    visible_ids = {s.pk for s in selectors.map_outlets(request.user, codes)}
    removed = {
        int(v) for v in request.GET.get("remove", "").split(",")[:MAX_WHATIF_REMOVALS] if v.strip().isdigit()
    } & visible_ids
    added_raw = _parse_points(request.GET.get("add", ""))
    sites = selectors.layout_sites()
    operating = [s for s in sites if s.status in coverage.COVERING]
    d = coverage.census_demand(rules, codes)
    added: list[coverage.Site] = []
    outside = 0
    for i, (lon, lat) in enumerate(added_raw, start=1):
        code = geo.district_of(lon, lat)
        if code is None or code not in rules:
            outside += 1
            continue
        added.append(coverage.Site(-i, _("假设网点%(n)d") % {"n": i}, "", "operating", code, lon, lat))
    added = coverage.with_xy(added)
    after_sites = [s for s in operating if s.pk not in removed] + added
    before = coverage.sites_covered_mask(d, operating, rules)
    after = coverage.sites_covered_mask(d, after_sites, rules)

    def share(mask: Any, code: str | None = None) -> dict[str, float]:
        m = d.code == code if code else slice(None)
        total = float(d.weight[m].sum())
        cov = float(d.weight[m][mask[m]].sum())
        return {
            "covered": round(cov),
            "population": round(total),
            "share": round(cov / total, 4) if total else 0.0,
        }

    ruled = [s for s in sites if s.status in coverage.RULED and s.pk not in removed]
    checks = coverage.violations(ruled + added, selectors.offices(), rules)
    added_ids = {s.pk for s in added}
    new_violations = [
        {"name": v.a.name if v.a.pk in added_ids else (v.b.name if isinstance(v.b, coverage.Site) else ""),
         "other": v.b.name if v.a.pk in added_ids else v.a.name, "kind": v.kind,
         "distance": round(v.distance_m), "limit": round(v.limit_m)}
        for v in checks
        if v.a.pk in added_ids or (isinstance(v.b, coverage.Site) and v.b.pk in added_ids)
    ]  # fmt: skip
    return JsonResponse(
        {
            "before": share(before),
            "after": share(after),
            "districts": [
                {
                    "code": c,
                    "name": rules[c].name,
                    "before": share(before, c)["share"],
                    "after": share(after, c)["share"],
                }
                for c in codes
            ],
            "added": [
                {"id": s.pk, "name": s.name, "lon": s.lon, "lat": s.lat, "ring": ring}
                for s, ring in zip(
                    added, coverage.circles(added, lambda s: rules[s.code].radius_m), strict=True
                )
            ],
            "removed": sorted(removed),
            "outside": outside,
            "violations": new_violations,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@permission_required("planning.view")
def map_pdf(request: HttpRequest) -> HttpResponse:
    district = _district_or_city(request, request.GET.get("scope"))
    layout = selectors.layout(request.user, district, demand_import=_demand_import(request))
    pdf = exports.layout_pdf(layout, author=str(request.user))
    return _download(pdf, "application/pdf", f"layout-{layout.codes[0] if district else 'city'}.pdf")


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    stem, ext = filename.rsplit(".", 1)
    resp = HttpResponse(content, content_type=content_type)
    resp["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.{ext}"'
    return resp


# --- coverage report -------------------------------------------------------------------------------------


@permission_required("planning.view")
def coverage_report(request: HttpRequest) -> HttpResponse:
    """Coverage per district and city-wide, the uncovered areas and every R8.4 violation."""
    city = selectors.plans_city(request.user)
    code = request.GET.get("district", "").strip()
    if not city and not code:
        own = _own_district(request)
        if own is None:
            raise PermissionDenied
        code = own.code
    district = _district_or_city(request, code or None)
    layout = selectors.layout(request.user, district, demand_import=_demand_import(request), draw=0)
    # The per-district table: for the city the analysis already has all 16 rows.
    a = layout.analysis
    if request.GET.get("export") == "xlsx":
        return _download(exports.coverage_xlsx(layout), exports.XLSX, "coverage.xlsx")
    kind = request.GET.get("kind", "")
    viol = [v for v in a.violations if not kind or v.kind == kind]
    ctx = {
        "layout": layout,
        "analysis": a,
        "district": district,
        "districts": selectors.planning_districts(request.user),
        "plans_city": city,
        "areas_page": Paginator(a.areas, 15).get_page(request.GET.get("apage")),
        "violations_page": Paginator(viol, 15).get_page(request.GET.get("vpage")),
        "kind": kind,
        "note": _method_note(layout),
        "demand_imports": _imports_in(request, district),
        "demand_import": _demand_import(request),
    }
    return render(request, "planning/coverage.html", ctx)


# --- site recommendation ----------------------------------------------------------------------------------


@permission_required("planning.view")
def run_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.runs_for(request.user)
    status = request.GET.get("status", "")
    if status in RunStatus.values:
        qs = qs.filter(status=status)
    code = request.GET.get("district", "")
    if code == "city":
        qs = qs.filter(district__isnull=True)
    elif code:
        qs = qs.filter(district__code=code)
    return render(
        request,
        "planning/run_list.html",
        {
            "page_obj": paginate(qs, request),
            "statuses": RunStatus.choices,
            "districts": selectors.planning_districts(request.user),
            "plans_city": selectors.plans_city(request.user),
        },
    )


def _run_form(request: HttpRequest) -> PlanRunForm:
    user = request.user
    initial: dict[str, Any] = {}
    code = request.GET.get("district")
    if code:
        initial["district"] = selectors.district_by_code(user, code)
    elif not selectors.plans_city(user):
        initial["district"] = _own_district(request)
    return PlanRunForm(
        request.POST or None,
        initial=initial,
        districts=selectors.planning_districts(user),
        city=selectors.plans_city(user),
        demand_imports=selectors.demand_imports_for(user),
        candidate_imports=selectors.candidate_imports_for(user),
    )


@permission_required("planning.run")
def run_create(request: HttpRequest) -> HttpResponse:
    form = _run_form(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.plan_run_create(
                district=data["district"], k=data["k"], candidate_source=data["candidate_source"],
                candidate_import=data["candidate_import"], grid_spacing_m=data["grid_spacing_m"],
                demand_source=data["demand_source"], demand_import=data["demand_import"],
                time_limit_s=data["time_limit_s"], by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已发起选址推荐，快速方案将立即显示，最优方案求解完成后自动更新。"))
            return redirect("planning:run_detail", pk=run.pk)
    rules = selectors.rules()
    defaults = {
        a.code: {
            "radius": int(rules[a.code].radius_m),
            "min_outlet": int(rules[a.code].min_outlet_m),
            "min_office": int(rules[a.code].min_office_m),
        }
        for a in selectors.planning_districts(request.user)
    }
    return render(
        request,
        "planning/run_form.html",
        {
            "form": form,
            "defaults": defaults,
            "branch_counts": {
                a.code: selectors.candidate_branches(request.user, [a.code]).count()
                for a in selectors.planning_districts(request.user)
            },
        },
    )


METHOD_LABELS = {
    "milp-optimal": gettext_lazy("贪心与局部搜索、混合整数规划（HiGHS）"),
    "milp-time-limit": gettext_lazy("贪心与局部搜索、混合整数规划（HiGHS）与大邻域搜索"),
    "greedy": gettext_lazy("贪心与局部搜索"),
}


def _run_context(request: HttpRequest, run: PlanRun) -> dict[str, Any]:
    best = run.best_result or {}
    final = run.result or {}
    return {
        "method_label": METHOD_LABELS.get(final.get("method", ""), final.get("method", "")),
        "run": run,
        "best": best,
        "greedy": run.greedy_result or {},
        "final": run.result or {},
        "can_cancel": run.is_active and request.user.has_perm("planning.run"),
        "gap_percent": (run.gap or 0) * 100,
        "committed_counts": best.get("committed_counts") or {},
        "existing_share_pct": best["existing_share"] * 100
        if best.get("existing_share") is not None
        else None,
        "rules_rows": _rules_rows(run),
        "progress_step": min(100, max(0, round((run.progress or 0) / 5.0) * 5)),
        "elapsed_s": int(((run.finished_at or timezone.now()) - run.started_at).total_seconds())
        if run.started_at
        else None,
        # A run still queued after half a minute: the background worker is probably not running.
        "stale_queue": run.status == RunStatus.QUEUED
        and (timezone.now() - run.created_at).total_seconds() > 30,
    }


def _rules_rows(run: PlanRun) -> list[dict[str, Any]]:
    names = geo.districts()
    return [
        {"name": names[c].name if c in names else c, "radius": r[0], "min_outlet": r[1], "min_office": r[2]}
        for c, r in sorted((run.rules or {}).items())
    ]


@permission_required("planning.view")
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(selectors.runs_for(request.user), pk=pk)
    scope = run.district.code if run.district is not None else "city"
    ctx = _run_context(request, run)
    final = (run.result or {}).get("sites", [])
    greedy = (run.greedy_result or {}).get("sites", [])
    shown = final or greedy
    radius_of = {c: r[0] for c, r in (run.rules or {}).items()}
    points_xy = coverage.with_xy(
        [coverage.Office(i, s.get("code", ""), s["lon"], s["lat"]) for i, s in enumerate(shown)]
    )
    rings = coverage.circles(
        points_xy, lambda o: shown[o.pk].get("radius") or radius_of.get(o.name) or run.radius_m or 1000
    )

    def points(items: list[dict[str, Any]]) -> list[list[Any]]:
        return [[s["lon"], s["lat"], s["name"], s["new_weight"], s["rank"]] for s in items]

    recommended = {
        "final": points(final) if final else points(greedy),
        "greedy": points(greedy),
        "showGreedy": bool(final) and points(final) != points(greedy),
        "circles": rings,
    }
    adopted = {p.rank: p for p in run.planned_sites.filter(status=PlannedSiteStatus.PLANNED)}
    page = Paginator(shown, 20).get_page(request.GET.get("page"))
    for s in page.object_list:
        s["adopted"] = adopted.get(s["rank"])
    ctx.update(
        {
            "map_config": map_config(reverse("planning:map_data") + f"?scope={scope}", recommended),
            "scope": scope,
            "sites_page": page,
            "can_adopt": request.user.has_perm("planning.run")
            and run.status in FINISHED_WITH_SITES
            and bool(final),
            "adopt_form": AdoptForm(),
        }
    )
    return render(request, "planning/run_detail.html", ctx)


@permission_required("planning.view")
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel, polled by htmx every 2 s while the run is active; the page reloads when a new
    answer arrives (the greedy one, then the final one) so the map and the table show it."""
    run = get_object_or_404(selectors.runs_for(request.user), pk=pk)
    resp = render(request, "planning/_run_progress.html", _run_context(request, run))
    seen = request.GET.get("seen", "")
    if seen and seen != run.status and run.status != RunStatus.RUNNING:
        resp["HX-Refresh"] = "true"
    return resp


@require_POST
@permission_required("planning.run")
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(selectors.runs_for(request.user), pk=pk)
    try:
        services.plan_run_cancel(run=run, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已请求取消，计算将在数秒内停止；已得到的快速方案会保留。"))
    return redirect("planning:run_detail", pk=run.pk)


@permission_required("planning.view")
@reads_may_lag()
def run_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    run = get_object_or_404(selectors.runs_for(request.user), pk=pk)
    if not run.best_result:
        messages.error(request, _("该方案尚无结果，不能导出。"))
        return redirect("planning:run_detail", pk=run.pk)
    if fmt == "xlsx":
        return _download(exports.run_xlsx(run), exports.XLSX, f"plan-run-{run.pk}.xlsx")
    layout = selectors.layout(
        request.user, run.district, draw=0,
        demand_import=run.demand_import if run.demand_source == "import" else None,
    )  # fmt: skip
    return _download(
        exports.layout_pdf(layout, run=run, author=str(request.user)),
        "application/pdf",
        f"plan-run-{run.pk}.pdf",
    )


# --- imports -----------------------------------------------------------------------------------------------

KINDS = {"demand": DemandImport, "candidate": CandidateImport}


def _imports_qs(request: HttpRequest, kind: str) -> Any:
    if kind == "demand":
        return selectors.demand_imports_for(request.user)
    if kind == "candidate":
        return selectors.candidate_imports_for(request.user)
    raise Http404


@permission_required("planning.view")
def import_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "demand")
    qs = _imports_qs(request, kind)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        qs = qs.filter(name__icontains=q)
    return render(
        request, "planning/import_list.html", {"kind": kind, "page_obj": paginate(qs, request), "q": q}
    )


@permission_required("planning.run")
def import_create(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in KINDS:
        raise Http404
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        districts=selectors.planning_districts(request.user),
        city=selectors.plans_city(request.user),
    )
    row_errors: list[services.RowProblem] = []
    if request.method == "POST" and form.is_valid():
        create = services.demand_import_create if kind == "demand" else services.candidate_import_create
        try:
            imp = create(
                name=form.cleaned_data["name"], district=form.cleaned_data["district"],
                upload=form.cleaned_data["file"], by=request.user,
            )  # fmt: skip
        except services.ImportRejected as exc:
            row_errors = exc.rows
            form.add_error(None, exc.messages[0])
        except ValidationError as exc:
            apply_errors(form, exc, default_field="file")
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已导入%(n)d个点。") % {"n": imp.rows})
            return redirect("planning:import_detail", kind=kind, pk=imp.pk)
    errors_page = Paginator(row_errors, 50).get_page(1)
    return render(
        request,
        "planning/import_form.html",
        {"form": form, "kind": kind, "row_errors": row_errors, "errors_page": errors_page},
    )


@permission_required("planning.view")
def import_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    imp = get_object_or_404(_imports_qs(request, kind), pk=pk)
    points = imp.points.all() if kind == "demand" else imp.sites.all()
    return render(
        request,
        "planning/import_detail.html",
        {"imp": imp, "kind": kind, "page_obj": paginate(points, request, per_page=50), "runs": imp.runs.all()[:20],
         "names": {c: d.name for c, d in geo.districts().items()}},
    )  # fmt: skip


@permission_required("planning.view")
def import_file(request: HttpRequest, kind: str, pk: int) -> FileResponse:
    """The original file, served only through this permission-checked view (never MEDIA_URL)."""
    imp = get_object_or_404(_imports_qs(request, kind), pk=pk)
    ext = next((e for e in ("xlsx", "geojson") if imp.file.name.endswith("." + e)), "csv")
    return FileResponse(imp.file.open("rb"), as_attachment=True, filename=f"{kind}-import-{imp.pk}.{ext}")


@require_POST
@permission_required("planning.run")
def import_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    imp = get_object_or_404(_imports_qs(request, kind), pk=pk)
    try:
        services.import_delete(imp=imp, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("planning:import_detail", kind=kind, pk=pk)
    messages.success(request, _("已删除导入“%(name)s”。") % {"name": imp.name})
    return redirect(reverse("planning:import_list") + f"?kind={kind}")


@permission_required("planning.view")
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in KINDS:
        raise Http404
    if kind == "demand":
        body = "经度,纬度,权重\n116.4870,39.9210,1200\n116.4602,39.9405,860\n"
    else:
        body = "经度,纬度,名称\n116.4870,39.9210,候选点A\n116.4602,39.9405,候选点B\n"
    resp = HttpResponse(("\ufeff" + body).encode("utf-8"), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return resp


# --- adopted (planned) sites -------------------------------------------------------------------------------


@require_POST
@permission_required("planning.run")
def planned_site_adopt(request: HttpRequest, pk: int, rank: int) -> HttpResponse:
    run = get_object_or_404(selectors.runs_for(request.user), pk=pk)
    form = AdoptForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        site = services.planned_site_adopt(run=run, rank=rank, note=note, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("已采纳“%(name)s”为规划点位，银行可据此申请设立网点。") % {"name": site.name}
        )
    return redirect("planning:run_detail", pk=run.pk)


@permission_required("planning.planned")
def planned_list(request: HttpRequest) -> HttpResponse:
    """Adopted sites: planners see their scope's and manage them; a bank administrator sees the open ones
    and starts an outlet application at one."""
    planner = request.user.has_perm("planning.view")
    if planner:
        qs = selectors.planned_sites_for(request.user)
        status = request.GET.get("status", "")
        if status in PlannedSiteStatus.values:
            qs = qs.filter(status=status)
    else:
        qs = selectors.open_planned_sites_for(request.user)
    code = request.GET.get("district", "")
    if code:
        qs = qs.filter(district__code=code)
    return render(
        request,
        "planning/planned_list.html",
        {
            "page_obj": paginate(qs.prefetch_related("applications"), request),
            "planner": planner,
            "can_manage": request.user.has_perm("planning.run"),
            "can_apply": request.user.has_perm("cooperation.apply_outlet"),
            "statuses": PlannedSiteStatus.choices,
            "districts": selectors.planning_districts(request.user) if planner else [],
            "withdraw_form": WithdrawForm(),
        },
    )


@require_POST
@permission_required("planning.run")
def planned_site_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(selectors.planned_sites_for(request.user), pk=pk)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.planned_site_withdraw(site=site, reason=reason, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已撤销规划点位“%(name)s”。") % {"name": site.name})
    return redirect("planning:planned_list")


@permission_required("planning.settings")
def settings_page(request: HttpRequest) -> HttpResponse:
    form = PlanningSettingsForm(request.POST or None, instance=selectors.planning_settings())
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(
                space_from_applying=form.cleaned_data["space_from_applying"],
                space_from_planned=form.cleaned_data["space_from_planned"],
                by=request.user,
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("布局规划参数已保存，之后发起的选址推荐按新参数计算。"))
            return redirect("planning:settings")
    return render(request, "planning/settings.html", {"form": form})
