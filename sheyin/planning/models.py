"""Layout planning records (R10.1, R8.4): imported demand and candidate points, and site-recommendation runs.

The analysis itself (demand grid, coverage, rule checks) is computed on demand from the registry
(`coverage.py`); only what a user supplies (imports) and what a long job produces (plan runs) is stored.

The plan-run lifecycle is a job's, not a person's: the job moves a run from queued to running, to
"greedy answer ready", to optimal / time limit; a user can only ask to cancel. Its status and its one
transition table live here (pure Python) because the app keeps no separate workflow module.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.common.lifecycle import TransitionError

# --- imports ----------------------------------------------------------------------------------------


class PointImport(models.Model):
    """Common fields of an uploaded file of points. A null district means a city-wide import (municipal)."""

    name = models.CharField(gettext_lazy("名称"), max_length=100)
    district = models.ForeignKey(
        "institutions.Agency",
        verbose_name=gettext_lazy("所属区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(gettext_lazy("原始文件"), upload_to="planning/imports/%Y/%m/")
    original_name = models.CharField(gettext_lazy("原文件名"), max_length=200)
    rows = models.PositiveIntegerField(gettext_lazy("点数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("导入人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(gettext_lazy("导入时间"), auto_now_add=True)

    SCOPE = {"district": ("district_id", "agency_id")}

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_name(self) -> str:
        return self.district.district_name if self.district is not None else _("全市")


class DemandImport(PointImport):
    """Real demand points (longitude, latitude, weight), e.g. residents or business counts by location."""

    total_weight = models.FloatField(gettext_lazy("总权重"), default=0)

    class Meta(PointImport.Meta):
        verbose_name = gettext_lazy("需求点导入")
        verbose_name_plural = gettext_lazy("需求点导入")


class DemandPoint(models.Model):
    demand_import = models.ForeignKey(DemandImport, on_delete=models.CASCADE, related_name="points")
    row = models.PositiveIntegerField(gettext_lazy("行号"))
    lon = models.FloatField(gettext_lazy("经度"))
    lat = models.FloatField(gettext_lazy("纬度"))
    weight = models.FloatField(gettext_lazy("权重"))
    adcode = models.CharField(gettext_lazy("所在区代码"), max_length=6)

    SCOPE = {"district": ("demand_import__district_id", "agency_id")}

    class Meta:
        verbose_name = gettext_lazy("需求点")
        verbose_name_plural = gettext_lazy("需求点")
        ordering = ["demand_import", "row"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=0), name="demand_point_weight_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.lon:.6f},{self.lat:.6f}"


class CandidateImport(PointImport):
    """Candidate sites for new outlets (longitude, latitude and an optional name)."""

    class Meta(PointImport.Meta):
        verbose_name = gettext_lazy("候选点导入")
        verbose_name_plural = gettext_lazy("候选点导入")


class CandidateSite(models.Model):
    candidate_import = models.ForeignKey(CandidateImport, on_delete=models.CASCADE, related_name="sites")
    row = models.PositiveIntegerField(gettext_lazy("行号"))
    name = models.CharField(gettext_lazy("名称"), max_length=100, blank=True)
    lon = models.FloatField(gettext_lazy("经度"))
    lat = models.FloatField(gettext_lazy("纬度"))
    adcode = models.CharField(gettext_lazy("所在区代码"), max_length=6)

    SCOPE = {"district": ("candidate_import__district_id", "agency_id")}

    class Meta:
        verbose_name = gettext_lazy("候选点")
        verbose_name_plural = gettext_lazy("候选点")
        ordering = ["candidate_import", "row"]

    def __str__(self) -> str:
        return self.name or f"{self.lon:.6f},{self.lat:.6f}"


# --- plan runs --------------------------------------------------------------------------------------


class RunStatus(models.TextChoices):
    QUEUED = "queued", gettext_lazy("排队中")
    RUNNING = "running", gettext_lazy("计算中")
    GREEDY_READY = "greedy_ready", gettext_lazy("已得快速方案，求解最优中")
    OPTIMAL = "optimal", gettext_lazy("已证明最优（差距≤0.1%）")
    TIME_LIMIT = "time_limit", gettext_lazy("达到时限（未证明最优，已给出差距）")
    CANCELLED = "cancelled", gettext_lazy("已取消")
    FAILED = "failed", gettext_lazy("失败")


ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.GREEDY_READY)
FINISHED = (RunStatus.OPTIMAL, RunStatus.TIME_LIMIT, RunStatus.CANCELLED, RunStatus.FAILED)

# The one transition table: (source, target) -> who may make it. "system" is the job (by=None);
# "user" is a person holding planning.run (only cancelling a run that has not started yet, or one whose
# worker has stopped beating).
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (RunStatus.QUEUED, RunStatus.RUNNING): frozenset({"system"}),
    (RunStatus.RUNNING, RunStatus.GREEDY_READY): frozenset({"system"}),
    (RunStatus.GREEDY_READY, RunStatus.OPTIMAL): frozenset({"system"}),
    (RunStatus.GREEDY_READY, RunStatus.TIME_LIMIT): frozenset({"system"}),
    (RunStatus.QUEUED, RunStatus.CANCELLED): frozenset({"system", "user"}),
    # A person cancels a started run directly only when its worker is gone (no heartbeat within the
    # limit); otherwise the job sees the request and stops itself (services.plan_run_cancel).
    (RunStatus.RUNNING, RunStatus.CANCELLED): frozenset({"system", "user"}),
    (RunStatus.GREEDY_READY, RunStatus.CANCELLED): frozenset({"system", "user"}),
    (RunStatus.QUEUED, RunStatus.FAILED): frozenset({"system"}),
    (RunStatus.RUNNING, RunStatus.FAILED): frozenset({"system"}),
    (RunStatus.GREEDY_READY, RunStatus.FAILED): frozenset({"system"}),
}


class RunTransitionError(TransitionError):
    """A status change the table does not allow (the common lifecycle engine's refusal)."""


def check_transition(source: str, target: str, by: Any) -> None:
    actor = "system" if by is None else "user"
    allowed = TRANSITIONS.get((source, target))
    if not allowed or actor not in allowed:
        raise RunTransitionError(
            _("方案状态不能从“%(a)s”变为“%(b)s”。")
            % {"a": RunStatus(source).label, "b": RunStatus(target).label}
        )


class CandidateSource(models.TextChoices):
    BRANCHES = "branches", gettext_lazy("尚未设立合作网点的银行网点")
    IMPORT = "import", gettext_lazy("导入的候选点")
    GRID = "grid", gettext_lazy("网格点")


class DemandSource(models.TextChoices):
    CENSUS = "census", gettext_lazy("普查人口网格")
    IMPORT = "import", gettext_lazy("导入的需求图层")


class PlanRun(models.Model):
    """One site recommendation (maximal covering location): choose k new outlets for a district or the city."""

    district = models.ForeignKey(
        "institutions.Agency",
        verbose_name=gettext_lazy("规划范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=gettext_lazy("为空表示全市"),
    )
    k = models.PositiveSmallIntegerField(
        gettext_lazy("新增网点数"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    # A district run's rules; a city run keeps every district's own rules (in ``rules``) and leaves these empty.
    radius_m = models.PositiveIntegerField(gettext_lazy("覆盖半径（米）"), null=True, blank=True)
    min_outlet_m = models.PositiveIntegerField(gettext_lazy("网点最小间距（米）"), null=True, blank=True)
    min_office_m = models.PositiveIntegerField(
        gettext_lazy("距经办机构最小距离（米）"), null=True, blank=True
    )
    rules = models.JSONField(
        gettext_lazy("各区布局参数"), default=dict, blank=True,
        help_text=gettext_lazy("发起时各区的覆盖半径、网点最小间距、距经办机构最小距离（米）"),
    )  # fmt: skip
    spacing_statuses = models.JSONField(
        gettext_lazy("计入间距的网点"), default=list, blank=True,
        help_text=gettext_lazy("发起时计入现有网点（间距与覆盖）的网点状态及已采纳的规划点位"),
    )  # fmt: skip
    demand_source = models.CharField(
        gettext_lazy("需求来源"), max_length=10, choices=DemandSource.choices, default=DemandSource.CENSUS
    )
    demand_import = models.ForeignKey(
        DemandImport, verbose_name=gettext_lazy("需求点导入"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="runs",
    )  # fmt: skip
    candidate_source = models.CharField(
        gettext_lazy("候选点来源"), max_length=10, choices=CandidateSource.choices
    )
    candidate_import = models.ForeignKey(
        CandidateImport, verbose_name=gettext_lazy("候选点导入"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="runs",
    )  # fmt: skip
    grid_spacing_m = models.PositiveIntegerField(gettext_lazy("网格间距（米）"), null=True, blank=True)
    time_limit_s = models.PositiveSmallIntegerField(
        gettext_lazy("求解时限（秒）"), default=60, validators=[MinValueValidator(5), MaxValueValidator(600)]
    )
    status = models.CharField(
        gettext_lazy("状态"), max_length=14, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(gettext_lazy("进度（%）"), default=0)
    phase = models.CharField(gettext_lazy("当前阶段"), max_length=100, blank=True)
    greedy_result = models.JSONField(gettext_lazy("快速方案"), null=True, blank=True)
    result = models.JSONField(gettext_lazy("最终方案"), null=True, blank=True)
    bound = models.FloatField(gettext_lazy("覆盖上界"), null=True, blank=True)
    gap = models.FloatField(gettext_lazy("最优性差距"), null=True, blank=True)
    timings = models.JSONField(gettext_lazy("各阶段耗时（秒）"), default=dict, blank=True)
    error = models.TextField(gettext_lazy("错误信息"), blank=True)
    cancel_requested = models.BooleanField(gettext_lazy("已请求取消"), default=False)
    # Written every few seconds by the worker while the job runs (sheyin.common.jobs); a running run
    # whose heartbeat is older than SHEYIN_JOB_STALE_S has lost its worker and is failed by the sweep.
    heartbeat_at = models.DateTimeField(gettext_lazy("最近心跳"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("发起人"), null=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(gettext_lazy("发起时间"), auto_now_add=True)
    started_at = models.DateTimeField(gettext_lazy("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(gettext_lazy("结束时间"), null=True, blank=True)

    SCOPE = {"district": ("district_id", "agency_id")}

    class Meta:
        verbose_name = gettext_lazy("选址推荐")
        verbose_name_plural = gettext_lazy("选址推荐")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="plan_run_progress_at_most_100"),
            models.CheckConstraint(condition=Q(k__gte=1), name="plan_run_k_positive"),
            models.CheckConstraint(
                condition=~Q(candidate_source="import") | Q(candidate_import__isnull=False),
                name="plan_run_candidate_import_given",
            ),
            models.CheckConstraint(
                condition=~Q(candidate_source="grid") | Q(grid_spacing_m__gte=100),
                name="plan_run_grid_spacing_given",
            ),
            models.CheckConstraint(
                condition=~Q(demand_source="import") | Q(demand_import__isnull=False),
                name="plan_run_demand_import_given",
            ),
        ]
        indexes = [models.Index(fields=["district", "status"], name="plan_run_district_status_idx")]

    def __str__(self) -> str:
        return _("%(scope)s新增%(k)d个网点（#%(pk)s）") % {
            "scope": self.scope_name,
            "k": self.k,
            "pk": self.pk,
        }

    @property
    def scope_name(self) -> str:
        return self.district.district_name if self.district is not None else _("全市")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def best_result(self) -> dict[str, Any] | None:
        """The final answer when there is one, else the greedy answer (shown at once)."""
        return self.result or self.greedy_result

    @property
    def share_pct(self) -> float | None:
        best = self.best_result
        return float(best["share"]) * 100 if best and best.get("share") is not None else None

    @property
    def gap_pct(self) -> float | None:
        return self.gap * 100 if self.gap is not None and self.best_result else None


# --- planning settings and adopted sites ---------------------------------------------------------------


class PlanningSettings(models.Model):
    """The municipal center's choices for site recommendations (design rule 8). One row."""

    space_from_applying = models.BooleanField(
        gettext_lazy("申请中的网点计入现有网点"), default=True,
        help_text=gettext_lazy("选址推荐时，新网点须与申请中的网点保持最小间距，其覆盖范围视为将被覆盖"),
    )  # fmt: skip
    space_from_planned = models.BooleanField(
        gettext_lazy("已采纳的规划点位计入现有网点"), default=True,
        help_text=gettext_lazy("选址推荐时，新网点须与已采纳的规划点位保持最小间距，其覆盖范围视为将被覆盖"),
    )  # fmt: skip
    updated_at = models.DateTimeField(gettext_lazy("更新时间"), auto_now=True)

    SCOPE = {lv: "*" for lv in ("district", "bank", "outlet", "self")}

    class Meta:
        verbose_name = gettext_lazy("布局规划参数")
        verbose_name_plural = gettext_lazy("布局规划参数")

    def __str__(self) -> str:
        return str(gettext_lazy("布局规划参数"))


class PlannedSiteStatus(models.TextChoices):
    PLANNED = "planned", gettext_lazy("已规划")
    WITHDRAWN = "withdrawn", gettext_lazy("已撤销")


class PlannedSite(models.Model):
    """A recommended site the district adopted (R10.1): shown on the layout map, kept apart by later runs,
    and offered to banks, which may start an outlet application there (the application links back)."""

    run = models.ForeignKey(
        PlanRun, verbose_name=gettext_lazy("选址推荐"), on_delete=models.PROTECT, related_name="planned_sites"
    )
    rank = models.PositiveSmallIntegerField(gettext_lazy("方案中的序号"))
    district = models.ForeignKey(
        "institutions.Agency", verbose_name=gettext_lazy("所在区"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(gettext_lazy("名称"), max_length=100)
    lon = models.FloatField(gettext_lazy("经度"))
    lat = models.FloatField(gettext_lazy("纬度"))
    new_weight = models.FloatField(gettext_lazy("新增覆盖人口"), default=0)
    note = models.CharField(gettext_lazy("说明"), max_length=300, blank=True)
    status = models.CharField(
        gettext_lazy("状态"),
        max_length=10,
        choices=PlannedSiteStatus.choices,
        default=PlannedSiteStatus.PLANNED,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("采纳人"), null=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(gettext_lazy("采纳时间"), auto_now_add=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("撤销人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    withdrawn_at = models.DateTimeField(gettext_lazy("撤销时间"), null=True, blank=True)
    withdraw_reason = models.CharField(gettext_lazy("撤销原因"), max_length=300, blank=True)

    # Planned sites are offered to every bank (R10.1 layout is published guidance, R10.3).
    SCOPE = {"district": ("district_id", "agency_id"), "bank": "*"}

    class Meta:
        verbose_name = gettext_lazy("规划点位")
        verbose_name_plural = gettext_lazy("规划点位")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "rank"], condition=Q(status="planned"), name="planned_site_once_per_run_site"
            ),
            models.CheckConstraint(
                condition=Q(lon__gte=115.3, lon__lte=117.6, lat__gte=39.3, lat__lte=41.2),
                name="planned_site_in_beijing_box",
            ),
        ]
        indexes = [models.Index(fields=["district", "status"], name="planned_site_district_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == PlannedSiteStatus.PLANNED
