"""Layout-planning writes: point imports, plan runs and the plan-run job (R10.1, R8.4).

Imports validate the whole file first (design rule 7): one bad row and nothing is written, and every row
in error is returned with its number and reason. A plan run is queued by a person and executed by the
job (`tasks.execute_plan_run`), which reports progress into the row, shows the greedy answer as soon as
it has it, then the proven optimum or the proven gap; a person may ask to cancel, which the job honours
between phases.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import logging
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from scipy.spatial import cKDTree

from sheyin.accounts.permissions import NotAllowed, require, require_scope
from sheyin.audit.models import Outcome
from sheyin.audit.services import record, snapshot
from sheyin.common import geo, jobs
from sheyin.institutions.models import Agency
from sheyin.institutions.rules import pair_spacing_m

from . import coverage, demand, layers, optimizer, selectors
from .models import (
    ACTIVE,
    FINISHED,
    CandidateImport,
    CandidateSite,
    CandidateSource,
    DemandImport,
    DemandPoint,
    DemandSource,
    PlannedSite,
    PlannedSiteStatus,
    PlanningSettings,
    PlanRun,
    RunStatus,
    check_transition,
)

logger = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_UNPACKED = 80 * 1024 * 1024  # a zip bomb stops here
MAX_ACTIVE_RUNS = 3  # per district (or city): the worker is shared
GAP_TARGET = 1e-3  # a run stops once its answer is proven within 0.1 % of the optimum (covered population)
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
LON_HEADERS = ("longitude", "lon", "lng", "经度")
LAT_HEADERS = ("latitude", "lat", "纬度")
NAME_HEADERS = ("name", "名称", "候选点名称", "网点名称", "地点")


# --- reading an uploaded table --------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    row: int
    reason: str


class ImportRejected(ValidationError):
    """The file has rows in error; nothing was written. ``rows`` lists every one."""

    def __init__(self, rows: list[RowProblem]) -> None:
        super().__init__(
            _("文件中有%(n)d行有误，未导入任何数据。请更正后重新上传。") % {"n": len(rows)}, code="rows"
        )
        self.rows = rows


def _read_bytes(upload: UploadedFile | None) -> bytes:
    if upload is None:
        raise ValidationError({"file": _("请选择要导入的文件。")})
    if not upload.size:
        raise ValidationError({"file": _("文件“%(name)s”为空。") % {"name": upload.name}})
    if upload.size > MAX_IMPORT_BYTES:
        raise ValidationError(
            {"file": _("文件超过%(n)dMB，请拆分后导入。") % {"n": MAX_IMPORT_BYTES // 1048576}}
        )
    upload.seek(0)
    return upload.read()


def _text_rows(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError({"file": _("无法识别文件编码，请保存为UTF-8编码的CSV文件。")})
    if "\x00" in text:
        raise ValidationError({"file": _("文件不是CSV文本文件或Excel（.xlsx）文件。")})
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t，")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _xlsx_rows(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_UNPACKED:
                raise ValidationError({"file": _("文件解压后过大，请拆分后导入。")})
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True, max_row=demand.MAX_IMPORT_ROWS + 2)]
        wb.close()
    except ValidationError:
        raise
    except Exception as exc:  # any malformed file: one clear error, never a 500 (design rule 7)
        raise ValidationError({"file": _("无法读取该文件：文件已损坏或不是有效的.xlsx文件。")}) from exc
    return rows


def _is_number(value: Any) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return True
    try:
        float(str(value).strip())
    except ValueError:
        return False
    return True


def read_table(content: bytes) -> tuple[list[Any], int, list[str]]:
    """Rows of a CSV or .xlsx file as validate_points takes them, the number of the first data row, and
    the header (lower-cased; empty when the file has none and the columns are lon, lat[, weight])."""
    if content.startswith(OLE_MAGIC):
        raise ValidationError({"file": _("不支持旧版.xls文件，请在Excel中另存为.xlsx或CSV后导入。")})
    raw = _xlsx_rows(content) if content.startswith(XLSX_MAGIC) else _text_rows(content)
    while raw and all(c is None or str(c).strip() == "" for c in raw[0]):
        raw.pop(0)
    if not raw:
        raise ValidationError({"file": _("文件中没有任何内容。")})
    first = raw[0]
    if first and _is_number(first[0]):
        return raw, 1, []
    header = [str(c).strip().lower() if c is not None else "" for c in first]
    if not any(h in LON_HEADERS for h in header) or not any(h in LAT_HEADERS for h in header):
        raise ValidationError(
            {
                "file": _(
                    "第1行表头应包含“经度”和“纬度”列（可选“权重”“名称”列），或不含表头直接按经度、纬度、权重排列。"
                )
            }
        )
    rows: list[Any] = []
    for values in raw[1:]:
        if all(v is None or str(v).strip() == "" for v in values):
            rows.append(None)
            continue
        rows.append({h: values[i] if i < len(values) else None for i, h in enumerate(header) if h})
    return rows, 2, header


# The row reasons of demand.validate_points (plain Chinese constants there), marked here for the catalogue.
REASONS = (
    gettext_noop("文件中没有数据行。"),
    gettext_noop("无法读取文件内容。"),
    gettext_noop("数据行超过%(max)d行，之后的行未读取。"),
    gettext_noop("无法识别该行，应依次填写经度、纬度、权重。"),
    gettext_noop("缺少经度。"),
    gettext_noop("缺少纬度。"),
    gettext_noop("经度不是数字：“%(value)s”。"),
    gettext_noop("纬度不是数字：“%(value)s”。"),
    gettext_noop("权重不是数字：“%(value)s”。"),
    gettext_noop("权重不能为负数。"),
    gettext_noop("经纬度数值无效。"),
    gettext_noop("该坐标不在北京市范围内（经度%(lon).6f，纬度%(lat).6f）。"),
    gettext_noop("该坐标不在北京市范围内，经度和纬度可能填反了。"),
    # GeoJSON demand layers (layers.read_features)
    gettext_noop("文件不是有效的GeoJSON（JSON格式错误）。"),
    gettext_noop("GeoJSON应为FeatureCollection（要素集合）。"),
    gettext_noop("GeoJSON中没有要素。"),
    gettext_noop("要素超过%(max)d个，之后的要素未读取。"),
    gettext_noop("该要素没有几何图形。"),
    gettext_noop("不支持的几何类型“%(kind)s”，应为点（Point）或面（Polygon、MultiPolygon）。"),
    gettext_noop("几何图形无效（坐标缺失、不闭合或自相交）。"),
    gettext_noop("缺少人口属性（population、人口或常住人口）。"),
    gettext_noop("人口不是数字：“%(value)s”。"),
    gettext_noop("人口不能为负数。"),
    gettext_noop("该要素不在北京市范围内。"),
)
_PLACEHOLDER = re.compile(r"%\((\w+)\)(?:\.\d+)?([sdf])")


@functools.cache
def _reason_patterns() -> list[tuple[str, re.Pattern[str], dict[str, str]]]:
    out = []
    for template in REASONS:
        kinds = {m.group(1): m.group(2) for m in _PLACEHOLDER.finditer(template)}
        if not kinds:
            continue
        parts = _PLACEHOLDER.split(template)
        # split() yields text, name, kind, text, name, kind, ..., text
        regex = "".join(
            re.escape(parts[i]) if i % 3 == 0 else (f"(?P<{parts[i]}>.*?)" if i % 3 == 1 else "")
            for i in range(len(parts))
        )
        out.append((template, re.compile(f"^{regex}$", re.S), kinds))
    return out


def translate_reason(reason: str) -> str:
    """A reason from demand.validate_points in the user's language (they come formatted, in Chinese)."""
    if reason in REASONS:
        return _(reason)
    for template, pattern, kinds in _reason_patterns():
        m = pattern.match(reason)
        if m is None:
            continue
        try:
            values = {
                k: int(v) if kinds[k] == "d" else float(v) if kinds[k] == "f" else v
                for k, v in m.groupdict().items()
            }
            return _(template) % values
        except (ValueError, KeyError, TypeError):
            return reason
    return reason


def _geojson_points(
    content: bytes, district: Agency | None
) -> tuple[list[demand.ImportedPoint], list[RowProblem]]:
    """A GeoJSON demand layer: polygons (街道) spread over a lattice, points as they are. For a district's
    import, a polygon's lattice points outside the district are dropped (its population kept on the rest)."""
    points, errors = layers.read_features(content)
    problems = [RowProblem(e.row, translate_reason(e.reason)) for e in errors]
    if district is None:
        return points, problems
    by_row: dict[int, list[demand.ImportedPoint]] = {}
    for p in points:
        by_row.setdefault(p.row, []).append(p)
    kept: list[demand.ImportedPoint] = []
    for row, group in by_row.items():
        inside = [p for p in group if p.adcode == district.code]
        if not inside:
            where = geo.districts()[group[0].adcode].name if group[0].adcode in geo.districts() else ""
            problems.append(
                RowProblem(
                    row,
                    _("该要素位于%(where)s，不在%(own)s范围内。")
                    % {"where": where, "own": district.district_name},
                )
            )
            continue
        scale = sum(p.weight for p in group) / len(inside)
        kept += [dataclasses.replace(p, weight=scale) for p in inside]
    return kept, problems


def _validated(content: bytes, district: Agency | None) -> tuple[list[demand.ImportedPoint], list[Any], int]:
    if layers.looks_like_geojson(content):
        points, problems = _geojson_points(content, district)
        if problems:
            raise ImportRejected(sorted(problems, key=lambda r: r.row))
        return points, [], 1
    rows, first_row, _header = read_table(content)
    points, errors = demand.validate_points(rows, first_row=first_row)
    problems = [RowProblem(e.row, translate_reason(e.reason)) for e in errors]
    if district is not None:
        for p in points:
            if p.adcode != district.code:
                where = geo.districts()[p.adcode].name if p.adcode in geo.districts() else p.adcode
                problems.append(
                    RowProblem(
                        p.row,
                        _("该点位于%(where)s，不在%(own)s范围内。")
                        % {"where": where, "own": district.district_name},
                    )
                )
    if problems:
        raise ImportRejected(sorted(problems, key=lambda r: r.row))
    return points, rows, first_row


def _check_import_scope(by: Any, imp: DemandImport | CandidateImport) -> None:
    if imp.district_id is None and by is not None and not selectors.plans_city(by):
        raise NotAllowed(_("只有市级用户可以导入全市范围的数据。"))
    if imp.district is not None and imp.district.level != Agency.Level.DISTRICT:
        raise ValidationError({"district": _("所属区必须是区级经办机构。")})
    require_scope(by, imp)


def _import_fields(name: str, upload: UploadedFile | None) -> tuple[str, bytes]:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写名称。")})
    if len(name) > 100:
        raise ValidationError({"name": _("名称不能超过100个字。")})
    return name, _read_bytes(upload)


def _record_rejection(action: str, by: Any, name: str, exc: ImportRejected) -> None:
    record(
        action=action, by=by, object_type="planning.import", outcome=Outcome.FAILURE,
        reason=_("%(n)d行有误，未导入") % {"n": len(exc.rows)}, after={"name": name, "rows_in_error": len(exc.rows)},
    )  # fmt: skip


def demand_import_create(
    *, name: str, district: Agency | None, upload: UploadedFile | None, by: Any
) -> DemandImport:
    """Import a demand layer: points (longitude, latitude, population) from CSV or .xlsx, or 街道 polygons /
    a population grid from GeoJSON; every row (feature) valid or nothing is written."""
    require(by, "planning.run")
    name, content = _import_fields(name, upload)
    imp = DemandImport(
        name=name, district=district, original_name=(upload.name or "")[:200] if upload else ""
    )
    _check_import_scope(by, imp)
    try:
        points, _rows, _first = _validated(content, district)
    except ImportRejected as exc:
        _record_rejection("planning.demand_import.reject", by, name, exc)
        raise
    with transaction.atomic():
        imp.rows = len(points)
        imp.total_weight = float(sum(p.weight for p in points))
        imp.created_by = by if getattr(by, "pk", None) else None
        imp.file.save(_safe_name(imp.original_name, content), ContentFile(content), save=False)
        imp.save()
        DemandPoint.objects.bulk_create(
            [DemandPoint(demand_import=imp, row=p.row, lon=p.lon, lat=p.lat, weight=p.weight, adcode=p.adcode) for p in points],
            batch_size=2000,
        )  # fmt: skip
        record(action="planning.demand_import.create", by=by, obj=imp,
               after=snapshot(imp, ["name", "district", "rows", "total_weight", "original_name"]))  # fmt: skip
    return imp


def candidate_import_create(
    *, name: str, district: Agency | None, upload: UploadedFile | None, by: Any
) -> CandidateImport:
    """Import candidate sites (longitude, latitude, optional name) from CSV or .xlsx; all valid or nothing."""
    require(by, "planning.run")
    name, content = _import_fields(name, upload)
    imp = CandidateImport(
        name=name, district=district, original_name=(upload.name or "")[:200] if upload else ""
    )
    _check_import_scope(by, imp)
    try:
        if layers.looks_like_geojson(content):
            raise ValidationError({"file": _("候选点请用CSV或Excel文件导入（经度、纬度、名称）。")})
        points, rows, first_row = _validated(content, district)
    except ImportRejected as exc:
        _record_rejection("planning.candidate_import.reject", by, name, exc)
        raise
    names: dict[int, str] = {}
    for number, row in enumerate(rows, start=first_row):
        if isinstance(row, Mapping):
            label = next((row[k] for k in NAME_HEADERS if row.get(k) not in (None, "")), "")
            names[number] = str(label).strip()[:100]
    with transaction.atomic():
        imp.rows = len(points)
        imp.created_by = by if getattr(by, "pk", None) else None
        imp.file.save(_safe_name(imp.original_name, content), ContentFile(content), save=False)
        imp.save()
        CandidateSite.objects.bulk_create(
            [CandidateSite(candidate_import=imp, row=p.row, name=names.get(p.row, ""), lon=p.lon, lat=p.lat, adcode=p.adcode) for p in points],
            batch_size=2000,
        )  # fmt: skip
        record(action="planning.candidate_import.create", by=by, obj=imp,
               after=snapshot(imp, ["name", "district", "rows", "original_name"]))  # fmt: skip
    return imp


def _safe_name(original: str, content: bytes) -> str:
    # The stored name never comes from the user (no path tricks); the extension follows the content.
    if layers.looks_like_geojson(content):
        return "layer.geojson"
    return "points.xlsx" if content.startswith(XLSX_MAGIC) else "points.csv"


def import_delete(*, imp: DemandImport | CandidateImport, by: Any) -> None:
    """Delete an import and its points; refused while a plan run uses it (the run must stay reproducible)."""
    require(by, "planning.run")
    require_scope(by, imp)
    if imp.runs.exists():
        raise ValidationError(_("已有选址推荐使用了该导入，不能删除。"))
    name = imp.file.name
    storage = imp.file.storage
    with transaction.atomic():
        record(action=f"planning.{type(imp).__name__.lower()}.delete", by=by, obj=imp,
               before=snapshot(imp, ["name", "district", "rows", "original_name"]))  # fmt: skip
        imp.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))


# --- plan runs -----------------------------------------------------------------------------------------


def rules_snapshot(codes: list[str]) -> dict[str, list[int]]:
    """Each district's [radius, minimum outlet distance, minimum office distance] as a run records them."""
    rules = selectors.rules()
    return {
        c: [int(rules[c].radius_m), int(rules[c].min_outlet_m), int(rules[c].min_office_m)] for c in codes
    }


def run_rules(run: PlanRun) -> dict[str, coverage.DistrictRule]:
    """The districts' rules a run uses: as recorded when it was queued (older runs: as they are now)."""
    current = selectors.rules()
    out = dict(current)
    for code, (radius, min_outlet, min_office) in (run.rules or {}).items():
        if code in current:
            out[code] = dataclasses.replace(
                current[code],
                radius_m=float(radius),
                min_outlet_m=float(min_outlet),
                min_office_m=float(min_office),
            )
    return out


def plan_run_create(
    *,
    district: Agency | None,
    k: int,
    candidate_source: str,
    by: Any,
    candidate_import: CandidateImport | None = None,
    grid_spacing_m: int | None = None,
    demand_source: str = DemandSource.CENSUS,
    demand_import: DemandImport | None = None,
    time_limit_s: int = 60,
    start: bool = True,
) -> PlanRun:
    """Queue a site recommendation for a district (or the city, municipal users) and start the job
    (``start=False``: the caller runs :func:`plan_run_execute` itself, as the demo data does).

    Every district keeps its own rules (radius, minimum distances), in a city run too; the run records
    them, and which outlets count as existing (the planning settings), so that it can be reproduced."""
    require(by, "planning.run")
    errors: dict[str, str] = {}
    if district is None and by is not None and not selectors.plans_city(by):
        raise NotAllowed(_("只有市级用户可以进行全市范围的选址推荐。"))
    if district is not None and district.level != Agency.Level.DISTRICT:
        errors["district"] = _("规划范围必须是一个区或全市。")
    if not 1 <= int(k or 0) <= 100:
        errors["k"] = _("新增网点数应在1至100之间。")
    if not 5 <= int(time_limit_s or 0) <= 600:
        errors["time_limit_s"] = _("求解时限应在5至600秒之间。")
    if candidate_source not in CandidateSource.values:
        errors["candidate_source"] = _("请选择候选点来源。")
    codes = [district.code] if district is not None else list(geo.districts())
    if candidate_source == CandidateSource.IMPORT:
        if candidate_import is None:
            errors["candidate_import"] = _("请选择一批导入的候选点。")
        elif candidate_import.district_id not in (None, getattr(district, "pk", None)):
            errors["candidate_import"] = _("该批候选点不属于所选规划范围。")
        elif not candidate_import.sites.filter(adcode__in=codes).exists():
            errors["candidate_import"] = _("该批候选点中没有位于所选规划范围内的点。")
    else:
        candidate_import = None
    if candidate_source == CandidateSource.GRID:
        if grid_spacing_m is None or not 200 <= grid_spacing_m <= 10000:
            errors["grid_spacing_m"] = _("网格间距应在200至10000米之间。")
    else:
        grid_spacing_m = None
    if demand_source == DemandSource.IMPORT:
        if demand_import is None:
            errors["demand_import"] = _("请选择一批导入的需求点。")
        elif demand_import.district_id not in (None, getattr(district, "pk", None)):
            errors["demand_import"] = _("该批需求点不属于所选规划范围。")
        elif not demand_import.points.filter(adcode__in=codes).exists():
            errors["demand_import"] = _("该批需求点中没有位于所选规划范围内的点。")
    elif demand_source == DemandSource.CENSUS:
        demand_import = None
    else:
        errors["demand_source"] = _("请选择需求来源。")
    if errors:
        raise ValidationError(errors)
    snapshot_rules = rules_snapshot(codes)
    own: list[int | None] = (
        list(snapshot_rules[district.code]) if district is not None else [None, None, None]
    )
    run = PlanRun(
        district=district, k=k, radius_m=own[0], min_outlet_m=own[1], min_office_m=own[2], rules=snapshot_rules,
        spacing_statuses=selectors.spacing_statuses(), demand_source=demand_source, demand_import=demand_import, candidate_source=candidate_source,
        candidate_import=candidate_import, grid_spacing_m=grid_spacing_m, time_limit_s=time_limit_s,
        created_by=by if getattr(by, "pk", None) else None,
    )  # fmt: skip
    require_scope(by, run)
    for imp in (candidate_import, demand_import):
        if imp is not None:
            require_scope(by, imp)
    with transaction.atomic():
        active = PlanRun.objects.filter(district=district, status__in=ACTIVE).count()
        if active >= MAX_ACTIVE_RUNS:
            raise ValidationError(
                _("该范围已有%(n)d个方案正在计算，请等待完成或取消后再发起。") % {"n": active}
            )
        run.save()
        record(action="planning.plan_run.create", by=by, obj=run,
               after=snapshot(run, ["district", "k", "radius_m", "min_outlet_m", "min_office_m", "rules",
                                    "spacing_statuses", "demand_source",
                                    "demand_import", "candidate_source", "candidate_import", "grid_spacing_m",
                                    "time_limit_s"]))  # fmt: skip
        if start:
            transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    from .tasks import execute_plan_run

    execute_plan_run(run_id)


def plan_run_cancel(*, run: PlanRun, by: Any) -> PlanRun:
    """Ask the job to stop. A run still queued stops at once; a running one within about a second (the
    solver polls the request from inside HiGHS and between search steps); a running one whose worker is
    gone (no heartbeat within the limit) stops at once too, so cancel always takes effect."""
    require(by, "planning.run")
    require_scope(by, run)
    with transaction.atomic():
        locked = PlanRun.objects.select_for_update().get(pk=run.pk)
        if locked.status not in ACTIVE:
            raise ValidationError(
                _("方案已处于“%(s)s”状态，无需取消。") % {"s": RunStatus(locked.status).label}
            )
        locked.cancel_requested = True
        fields = ["cancel_requested"]
        if locked.status == RunStatus.QUEUED or jobs.is_stale(locked.heartbeat_at):
            check_transition(locked.status, RunStatus.CANCELLED, by)
            locked.status = RunStatus.CANCELLED
            locked.finished_at = timezone.now()
            fields += ["status", "finished_at"]
        locked.save(update_fields=fields)
        record(action="planning.plan_run.cancel", by=by, obj=locked, after={"status": locked.status})
    return locked


# --- the job -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    name: str
    source: str
    ref: int | None
    lon: float
    lat: float
    code: str


@dataclass
class RunInputs:
    demand: coverage.Demand
    candidates: list[Candidate]
    candidates_xy: np.ndarray
    codes: list[str]
    rules: dict[str, coverage.DistrictRule]
    operating: list[coverage.Site]  # existing coverage (the one definition)
    committed: list[coverage.Site]  # what the run counts as existing: kept apart, its area served
    args: dict[str, Any]  # the optimizer's per-site rules (coverage.plan_arguments)

    @property
    def committed_counts(self) -> dict[str, int]:
        return dict(Counter(s.status for s in self.committed))


STALE_REASON = gettext_noop("计算进程已停止响应（超过%(s)d秒没有心跳），方案已终止，可重新发起。")


def plan_runs_fail_stale(*, now: Any = None) -> list[int]:
    """Fail every started run whose worker stopped beating (killed or restarted): it no longer counts
    against the active runs of its scope. Run every minute by the short queue's worker."""
    now = now or timezone.now()
    cutoff = now - jobs.stale_after()
    started = PlanRun.objects.filter(status__in=(RunStatus.RUNNING, RunStatus.GREEDY_READY))
    stale_ids = list(started.filter(heartbeat_at__lt=cutoff).values_list("pk", flat=True)) + list(
        started.filter(heartbeat_at__isnull=True, started_at__lt=cutoff).values_list("pk", flat=True)
    )
    failed: list[int] = []
    for run_id in stale_ids:
        with transaction.atomic():
            run = PlanRun.objects.select_for_update().get(pk=run_id)
            if run.status not in (RunStatus.RUNNING, RunStatus.GREEDY_READY):
                continue
            if run.heartbeat_at is not None and not jobs.is_stale(run.heartbeat_at, now=now):
                continue  # it beat again meanwhile
            check_transition(run.status, RunStatus.FAILED, None)
            run.status, run.finished_at, run.phase = RunStatus.FAILED, now, ""
            run.error = _(STALE_REASON) % {"s": int(jobs.stale_after().total_seconds())}
            run.save(update_fields=["status", "finished_at", "phase", "error"])
            record(
                action="planning.plan_run.fail", obj=run, outcome=Outcome.FAILURE, reason="stale heartbeat"
            )
        failed.append(run_id)
    return failed


def _move(run_id: int, target: str, **fields: Any) -> PlanRun:
    """A status change by the job, under a row lock, checked against the transition table."""
    with transaction.atomic():
        run = PlanRun.objects.select_for_update().get(pk=run_id)
        check_transition(run.status, target, None)
        run.status = target
        for k, v in fields.items():
            setattr(run, k, v)
        run.save()
    return run


def _progress(run_id: int, percent: int, phase: str) -> None:
    """``phase`` is stored untranslated (a catalogue msgid) and translated when shown."""
    PlanRun.objects.filter(pk=run_id).update(progress=min(max(int(percent), 0), 100), phase=phase[:100])


def run_inputs(run: PlanRun) -> RunInputs:
    """Everything the optimiser needs, in projected metres. Read as the system (the run's scope is fixed)."""
    rules = run_rules(run)
    codes = [run.district.code] if run.district is not None else list(selectors.rules())
    d = selectors.scope_demand(
        codes, rules, run.demand_import if run.demand_source == DemandSource.IMPORT else None
    )
    candidates: list[Candidate] = []
    if run.candidate_source == CandidateSource.BRANCHES:
        for b in selectors.candidate_branches(None, codes).select_related("bank", "district"):
            candidates.append(Candidate(str(b), "branch", b.pk, b.lon, b.lat, b.district.code))
    elif run.candidate_source == CandidateSource.IMPORT and run.candidate_import is not None:
        for s in selectors.candidate_import_sites(run.candidate_import, codes):
            label = s.name or _("候选点（第%(row)d行）") % {"row": s.row}
            candidates.append(Candidate(label, "import", s.pk, s.lon, s.lat, s.adcode))
    elif run.candidate_source == CandidateSource.GRID:
        grid = demand.grid_demand(codes, float(run.grid_spacing_m or 1000))
        for i, (lon, lat, code) in enumerate(zip(grid.lon, grid.lat, grid.adcode, strict=True), start=1):
            candidates.append(
                Candidate(_("网格点%(n)d") % {"n": i}, "grid", None, float(lon), float(lat), str(code))
            )
    candidates = [c for c in candidates if c.code in rules]
    cxy = (
        np.column_stack(demand.project([c.lon for c in candidates], [c.lat for c in candidates]))
        if candidates
        else np.empty((0, 2))
    )
    statuses = run.spacing_statuses or selectors.spacing_statuses()
    committed = selectors.committed_sites(statuses)
    args = coverage.plan_arguments(rules, [c.code for c in candidates], committed, selectors.offices())
    return RunInputs(
        demand=d, candidates=candidates, candidates_xy=cxy, codes=codes, rules=rules,
        operating=[s for s in committed if s.status in coverage.COVERING], committed=committed, args=args,
    )  # fmt: skip


def _new_by_site(inp: RunInputs, chosen: list[int]) -> np.ndarray:
    """Demand newly covered by the chosen sites (not covered by a committed site), each point counted once,
    for the nearest chosen site that covers it."""
    d, a = inp.demand, inp.args
    out = np.zeros(len(chosen))
    if not chosen or not len(d):
        return out
    already = coverage.covered_mask(d, a["existing_xy"], a["existing_radius_m"])
    pts = d.xy[~already]
    w = d.weight[~already]
    radii = a["radius_m"][chosen]
    sxy = inp.candidates_xy[chosen]
    best = np.full(len(pts), np.inf)
    owner = np.full(len(pts), -1)
    for r in np.unique(radii):
        group = np.flatnonzero(radii == r)
        dist, idx = cKDTree(sxy[group]).query(pts, k=1, distance_upper_bound=float(np.nextafter(r, np.inf)))
        better = dist < best
        best[better] = dist[better]
        owner[better] = group[idx[better]]
    hit = owner >= 0
    return np.bincount(owner[hit], weights=w[hit], minlength=len(chosen))


def _result(plan: optimizer.Plan, run: PlanRun, inp: RunInputs) -> dict[str, Any]:
    """A JSON-safe record of a plan. ``existing`` is the existing coverage (operating outlets, the coverage
    page's figure for the same scope); ``committed`` adds outlets under way and adopted sites; ``new`` is
    what the recommended sites add on top of ``committed``."""
    chosen = [int(i) for i in plan.chosen]
    d = inp.demand
    existing = coverage.existing_coverage(d, inp.operating, inp.rules, inp.codes)
    new_by_site = _new_by_site(inp, chosen)
    names = geo.districts()
    sites: list[dict[str, Any]] = []
    for i, gained in zip(chosen, new_by_site, strict=True):
        c = inp.candidates[i]
        r = inp.rules[c.code]
        sites.append({
            "rank": 0, "name": c.name, "source": c.source, "ref": c.ref, "lon": round(c.lon, 6),
            "lat": round(c.lat, 6), "code": c.code, "district": names[c.code].name if c.code in names else c.code,
            "new_weight": round(float(gained), 1), "radius": int(r.radius_m),
        })  # fmt: skip
    sites.sort(key=lambda s: -s["new_weight"])
    for rank, s in enumerate(sites, start=1):
        s["rank"] = rank
    a = inp.args
    idx = np.asarray(chosen, dtype=np.intp)
    broken = optimizer.separation_violations(
        inp.candidates_xy[idx] if chosen else np.empty((0, 2)), min_sep_m=a["min_sep_m"][idx],
        existing_xy=a["existing_xy"], existing_own_min_m=a["existing_own_min_m"], forbidden_xy=a["forbidden_xy"],
        forbidden_min_m=a["forbidden_min_m"][idx],
    )  # fmt: skip
    total = plan.total_weight
    return {
        "method": plan.method, "proven": plan.proven, "solver_status": plan.status,
        "covered": round(plan.covered_weight, 1), "existing": float(existing.covered),
        "existing_share": existing.share, "committed": round(plan.existing_weight, 1),
        "committed_counts": inp.committed_counts, "total": round(total, 1),
        "new": round(plan.covered_weight - plan.existing_weight, 1), "share": plan.coverage_share,
        "bound": round(plan.bound, 1), "bound_share": plan.bound_share, "gap": plan.gap,
        "timings": {k: round(v, 3) for k, v in plan.timings.items()}, "stats": dict(plan.stats),
        "sites": sites, "candidates": len(inp.candidates), "demand_points": len(d), "demand_method": d.method,
        "separation_violations": len(broken),
    }  # fmt: skip


# Progress after each optimiser phase of the two calls: phase done -> (percent, what runs next).
QUICK_PHASES = {
    "reduce": (10, gettext_noop("贪心与局部搜索")),
    "greedy": (30, gettext_noop("整理快速方案")),
}
EXACT_PHASES = {
    "reduce": (38, gettext_noop("贪心与局部搜索")),
    "greedy": (40, gettext_noop("混合整数规划求解中（HiGHS）")),
    "lp": (45, gettext_noop("混合整数规划求解中（HiGHS）")),
    "milp": (95, gettext_noop("整理结果")),
    "lns": (97, gettext_noop("整理结果")),
}


def plan_run_execute(*, run_id: int) -> str:
    """The job: greedy answer first (greedy_ready), then the exact MILP (optimal or time_limit).

    Idempotent: a run that is not queued is left alone. Cancellation is honoured between phases.
    """
    with transaction.atomic():
        run = PlanRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status != RunStatus.QUEUED:
            return "skipped"
        if run.cancel_requested:
            check_transition(run.status, RunStatus.CANCELLED, None)
            run.status, run.finished_at = RunStatus.CANCELLED, timezone.now()
            run.save(update_fields=["status", "finished_at"])
            return "cancelled"
        check_transition(run.status, RunStatus.RUNNING, None)
        run.status, run.started_at, run.progress, run.phase = (
            RunStatus.RUNNING,
            timezone.now(),
            5,
            gettext_noop("读取数据"),
        )
        run.save(update_fields=["status", "started_at", "progress", "phase"])

    def cancelled() -> bool:
        """Polled between steps: a cancel request, or the run ended under the job (failed by the sweep
        or cancelled while its heartbeat was stale), stops the job."""
        return (
            PlanRun.objects.filter(pk=run_id)
            .filter(Q(cancel_requested=True) | Q(status__in=FINISHED))
            .exists()
        )

    with jobs.heartbeat(PlanRun, run_id):
        return _execute(run, run_id, cancelled)


def _finish(run_id: int, target: str, **fields: Any) -> PlanRun | None:
    """The job's last move, unless the run already ended under it (the sweep or a cancel did it)."""
    with transaction.atomic():
        run = PlanRun.objects.select_for_update().get(pk=run_id)
        if run.status not in ACTIVE:
            return None
    return _move(run_id, target, **fields)


def _execute(run: PlanRun, run_id: int, cancelled: Callable[[], bool]) -> str:

    def reporter(phases: dict[str, tuple[int, str]]) -> Callable[[str, Mapping[str, float]], None]:
        def report(phase: str, figures: Mapping[str, float]) -> None:
            if phase in phases:
                percent, label = phases[phase]
                _progress(run_id, percent, label)

        return report

    try:
        inp = run_inputs(run)
        if cancelled():
            raise optimizer.PlanCancelled("inputs")
        args: dict[str, Any] = {**inp.args, "p": int(run.k), "cancel": cancelled, "mip_rel_gap": GAP_TARGET}
        greedy = optimizer.plan(inp.demand.xy, inp.demand.weight, inp.candidates_xy, method="greedy",
                                progress=reporter(QUICK_PHASES), **args)  # fmt: skip
        greedy_result = _result(greedy, run, inp)
        if cancelled():
            raise optimizer.PlanCancelled("greedy")
        _move(run_id, RunStatus.GREEDY_READY, greedy_result=greedy_result, bound=greedy.bound, gap=greedy.gap,
              progress=35, phase=gettext_noop("已得快速方案，求解最优中"), timings={"greedy": greedy.timings})  # fmt: skip
        final = optimizer.plan(inp.demand.xy, inp.demand.weight, inp.candidates_xy, method="auto",
                               time_limit_s=float(run.time_limit_s), progress=reporter(EXACT_PHASES), **args)  # fmt: skip
        target = RunStatus.OPTIMAL if final.proven else RunStatus.TIME_LIMIT
        if cancelled():
            raise optimizer.PlanCancelled("final")
        done = _move(run_id, target, result=_result(final, run, inp), bound=final.bound, gap=final.gap,
                     progress=100, phase="", finished_at=timezone.now(),
                     timings={"greedy": greedy.timings, "final": final.timings})  # fmt: skip
        record(action="planning.plan_run.finish", obj=done, after={"status": target, "gap": final.gap})
        return str(target)
    except optimizer.PlanCancelled:
        if _finish(run_id, RunStatus.CANCELLED, finished_at=timezone.now(), phase="") is not None:
            record(action="planning.plan_run.cancelled", obj=run)
        return "cancelled"
    except Exception as exc:
        logger.exception("plan run %s failed", run_id)
        current = PlanRun.objects.get(pk=run_id)
        if current.status in ACTIVE:
            _move(run_id, RunStatus.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000],
                  phase="")  # fmt: skip
            record(
                action="planning.plan_run.fail", obj=current, outcome=Outcome.FAILURE, reason=str(exc)[:500]
            )
        return "failed"


# --- settings ------------------------------------------------------------------------------------------


def settings_update(*, space_from_applying: bool, space_from_planned: bool, by: Any) -> PlanningSettings:
    """The municipal center decides what a site recommendation counts as existing (design rule 8)."""
    require(by, "planning.settings")
    with transaction.atomic():
        obj = PlanningSettings.objects.select_for_update().get(pk=selectors.planning_settings().pk)
        before = snapshot(obj, ["space_from_applying", "space_from_planned"])
        obj.space_from_applying, obj.space_from_planned = bool(space_from_applying), bool(space_from_planned)
        obj.save()
        record(action="planning.settings.update", by=by, obj=obj, before=before,
               after=snapshot(obj, ["space_from_applying", "space_from_planned"]))  # fmt: skip
    return obj


# --- adopting a recommended site -------------------------------------------------------------------------


def _site_conflicts(lon: float, lat: float, code: str, *, exclude_planned: int | None = None) -> list[str]:
    """What a site at (lon, lat) in district ``code`` would be too close to now: outlets on the ground,
    outlets under application, adopted sites (the shared pair rule) and SI offices."""
    rules = selectors.rules()
    own = rules[code]
    x, y = (float(v) for v in demand.project(lon, lat))
    out: list[str] = []
    for s in selectors.committed_sites([*selectors.ON_THE_GROUND, "applying", "planned"]):
        if exclude_planned is not None and s.pk == -exclude_planned:
            continue
        limit = pair_spacing_m(own.min_outlet_m, rules[s.code].min_outlet_m if s.code in rules else 0)
        dist = float(np.hypot(s.x - x, s.y - y))
        if dist < limit:
            out.append(
                _("距“%(name)s”%(d)d米，小于最小间距%(limit)d米")
                % {"name": s.name, "d": round(dist), "limit": round(limit)}
            )
    for o in selectors.offices():
        dist = float(np.hypot(o.x - x, o.y - y))
        if dist < own.min_office_m:
            out.append(
                _("距经办机构“%(name)s”%(d)d米，小于最小距离%(limit)d米")
                % {"name": o.name, "d": round(dist), "limit": round(own.min_office_m)}
            )
    return out


def planned_site_adopt(*, run: PlanRun, rank: int, note: str = "", by: Any) -> PlannedSite:
    """The district adopts a recommended site of a finished run: it becomes a planned site, drawn on the
    layout map, kept apart by later runs and offered to banks (R10.1). Refused when the site is now too
    close to an outlet, an outlet under application, another planned site or an office (R8.4)."""
    require(by, "planning.run")
    require_scope(by, run)
    best = run.best_result or {}
    site = next((s for s in best.get("sites", []) if int(s.get("rank", 0)) == int(rank)), None)
    if run.status not in (RunStatus.OPTIMAL, RunStatus.TIME_LIMIT, RunStatus.CANCELLED) or site is None:
        raise ValidationError(_("只能采纳已完成方案中的推荐点位。"))
    district = Agency.objects.filter(code=site["code"], level=Agency.Level.DISTRICT).first()
    if district is None:
        raise ValidationError(_("该点位不在任何区内。"))
    if by is not None and not selectors.planning_districts(by).filter(pk=district.pk).exists():
        raise NotAllowed(_("只能采纳本辖区内的推荐点位。"))
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": _("说明不能超过300个字。")})
    with transaction.atomic():
        PlanRun.objects.select_for_update().get(pk=run.pk)  # two adoptions of one run: one at a time
        if PlannedSite.objects.filter(run=run, rank=rank, status=PlannedSiteStatus.PLANNED).exists():
            raise ValidationError(_("该推荐点位已采纳。"))
        conflicts = _site_conflicts(float(site["lon"]), float(site["lat"]), district.code)
        if conflicts:
            raise ValidationError(
                _("该点位现已不符合布局规定：%(why)s。") % {"why": "；".join(conflicts[:3])}
            )
        obj = PlannedSite.objects.create(
            run=run, rank=rank, district=district, name=str(site["name"])[:100], lon=float(site["lon"]),
            lat=float(site["lat"]), new_weight=float(site.get("new_weight") or 0), note=note,
            created_by=by if getattr(by, "pk", None) else None,
        )  # fmt: skip
        record(action="planning.planned_site.adopt", by=by, obj=obj,
               after=snapshot(obj, ["run", "rank", "district", "name", "lon", "lat", "new_weight", "note"]))  # fmt: skip
    return obj


def planned_site_withdraw(*, site: PlannedSite, reason: str, by: Any) -> PlannedSite:
    """Withdraw an adopted site (it leaves the map and the spacing rule). Refused while an outlet
    application at the site is under way."""
    require(by, "planning.run")
    require_scope(by, site)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写撤销原因。")})
    with transaction.atomic():
        obj = PlannedSite.objects.select_for_update().get(pk=site.pk)
        if obj.status != PlannedSiteStatus.PLANNED:
            raise ValidationError(_("该规划点位已撤销。"))
        if obj.applications.filter(status__in=selectors.LIVE_APPLICATION).exists():
            raise ValidationError(_("已有银行在该点位申请设立网点，不能撤销。"))
        obj.status, obj.withdrawn_at, obj.withdraw_reason = (
            PlannedSiteStatus.WITHDRAWN,
            timezone.now(),
            reason[:300],
        )
        obj.withdrawn_by = by if getattr(by, "pk", None) else None
        obj.save()
        record(action="planning.planned_site.withdraw", by=by, obj=obj, reason=reason[:300],
               after={"status": obj.status})  # fmt: skip
    return obj


def planned_site_for_application(site: PlannedSite | None, district: Agency) -> PlannedSite | None:
    """The planned site an outlet application starts from, checked (called by the application service):
    it must still be open and lie in the district the application goes to."""
    if site is None:
        return None
    locked = PlannedSite.objects.select_for_update().filter(pk=site.pk).first()
    if locked is None or locked.status != PlannedSiteStatus.PLANNED:
        raise ValidationError({"planned_site": _("该规划点位已撤销，不能据此申请。")})
    if locked.applications.filter(status__in=selectors.LIVE_APPLICATION).exists():
        raise ValidationError({"planned_site": _("已有银行在该规划点位申请设立网点。")})
    if locked.district_id != district.pk:
        raise ValidationError(
            {
                "district": _("规划点位位于%(d)s，申请的所在区应与之一致。")
                % {"d": locked.district.district_name}
            }
        )
    return locked
