"""Pre-aggregated figures the dashboards read, and the statistical reports issued from them.

Dashboards never scan the source tables (cases, ratings, tickets …) per page view: they read
`DailyFigure` / `MonthlyFigure`, which `aggregates.refresh()` rebuilds set-based from the sources
(docs/decisions/0118d-dashboard-aggregates.md). A figure row is one number: a measure (business volume,
ratings, tickets within the deadline …) on a day or month, at one of three grains:

- OUTLET: one outlet (its district and bank copied), channel set for business volume;
- DISTRICT_BANK: the sum of a district's outlets of one bank (outlet empty), plus per-item volume;
- DISTRICT: a district as a whole (bank and outlet empty): the coverage snapshot from planning.

Scope is the plain column comparison every other outlet-bound table uses: district → its district,
bank → its bank, outlet → its outlet. Rows of a coarser grain than a role's level are invisible to it
(a bank sees no district-wide coverage row; an outlet sees no district × bank sum).

`IssuedReport` is an issued statistical report: immutable once written (database triggers refuse any
change), each reissue a new version with who and when.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

FIGURE_SCOPE = {
    "district": ("district_id", "agency_id"),
    "bank": ("bank_id", "bank_id"),
    "outlet": ("outlet_id", "outlet_id"),
}


class Grain(models.TextChoices):
    OUTLET = "o", _("网点")
    DISTRICT_BANK = "b", _("区·银行")
    DISTRICT = "d", _("区")


class Measure(models.TextChoices):
    # Flows: summed over days and months.
    VOLUME = "volume", _("业务量")
    DONE = "done", _("办结量")
    ITEM_VOLUME = "item_volume", _("分事项业务量")
    RATINGS = "ratings", _("评价数")
    SATISFIED = "satisfied", _("满意评价数")
    BAD = "bad", _("差评数")
    BAD_ON_TIME = "bad_on_time", _("按期整改差评数")
    TICKETS = "tickets", _("问题工单数")
    TICKETS_IN_SLA = "tickets_in_sla", _("时限内办结工单数")
    TICKETS_LATE = "tickets_late", _("超时限工单数")
    INSP_PLANNED = "insp_planned", _("计划检查数")
    INSP_DONE = "insp_done", _("已完成计划检查数")
    RECT_ORDERED = "rect_ordered", _("下达整改数")
    # Snapshots: the state on the day they were taken (today, and kept at month ends); never summed over days.
    WINDOWS = "windows", _("人工窗口数")
    STAFF_WINDOW = "staff_window", _("持证窗口经办人员")
    STAFF_GUIDE = "staff_guide", _("持证网厅引导员")
    GRANTS_EXPIRING = "grants_expiring", _("30日内到期的业务权限")
    RECT_OVERDUE = "rect_overdue", _("逾期未整改")
    POPULATION = "population", _("常住人口")
    COVERED = "covered", _("覆盖人口")


SNAPSHOTS = frozenset(
    {Measure.WINDOWS, Measure.STAFF_WINDOW, Measure.STAFF_GUIDE, Measure.GRANTS_EXPIRING,
     Measure.RECT_OVERDUE, Measure.POPULATION, Measure.COVERED}
)  # fmt: skip
COVERAGE = frozenset({Measure.POPULATION, Measure.COVERED})
FLOWS = frozenset(set(Measure) - SNAPSHOTS)


class DailyFigure(models.Model):
    grain = models.CharField(_("粒度"), max_length=1, choices=Grain.choices)
    day = models.DateField(_("日期"))
    district = models.ForeignKey("institutions.Agency", on_delete=models.CASCADE, related_name="+",
                                 db_index=False)  # fmt: skip
    bank = models.ForeignKey("institutions.Bank", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+", db_index=False)  # fmt: skip
    outlet = models.ForeignKey("institutions.Outlet", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+", db_index=False)  # fmt: skip
    channel = models.CharField(_("渠道"), max_length=1, blank=True)  # catalogue.choices.Channel or ""
    item = models.CharField(_("事项编码"), max_length=20, blank=True)
    measure = models.CharField(_("指标"), max_length=20, choices=Measure.choices)
    value = models.BigIntegerField(_("数值"))

    SCOPE = FIGURE_SCOPE

    class Meta:
        verbose_name = _("日统计数")
        verbose_name_plural = _("日统计数")
        indexes = [
            models.Index(fields=["grain", "measure", "day"], name="dfig_grain_measure_day_idx"),
            models.Index(fields=["district", "grain", "measure", "day"], name="dfig_district_idx"),
            models.Index(fields=["bank", "grain", "measure", "day"], name="dfig_bank_idx"),
            models.Index(fields=["outlet", "day"], name="dfig_outlet_day_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="dfig_grain_matches_keys",
                condition=Q(grain="o", outlet__isnull=False, bank__isnull=False)
                | Q(grain="b", outlet__isnull=True, bank__isnull=False)
                | Q(grain="d", outlet__isnull=True, bank__isnull=True),
            ),
            models.UniqueConstraint(fields=["day", "outlet", "channel", "item", "measure"],
                                    condition=Q(grain="o"), name="dfig_unique_outlet"),
            models.UniqueConstraint(fields=["day", "district", "bank", "channel", "item", "measure"],
                                    condition=Q(grain="b"), name="dfig_unique_district_bank"),
            models.UniqueConstraint(fields=["day", "district", "channel", "item", "measure"],
                                    condition=Q(grain="d"), name="dfig_unique_district"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.day} {self.grain} {self.measure}={self.value}"


class MonthlyFigure(models.Model):
    """Flows rolled up by month from `DailyFigure` (outlet and district × bank grains)."""

    grain = models.CharField(_("粒度"), max_length=1, choices=Grain.choices)
    month = models.DateField(_("月份"), help_text=_("该月1日"))
    district = models.ForeignKey("institutions.Agency", on_delete=models.CASCADE, related_name="+",
                                 db_index=False)  # fmt: skip
    bank = models.ForeignKey("institutions.Bank", on_delete=models.CASCADE, related_name="+", db_index=False)
    outlet = models.ForeignKey("institutions.Outlet", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+", db_index=False)  # fmt: skip
    channel = models.CharField(_("渠道"), max_length=1, blank=True)
    item = models.CharField(_("事项编码"), max_length=20, blank=True)
    measure = models.CharField(_("指标"), max_length=20, choices=Measure.choices)
    value = models.BigIntegerField(_("数值"))

    SCOPE = FIGURE_SCOPE

    class Meta:
        verbose_name = _("月统计数")
        verbose_name_plural = _("月统计数")
        indexes = [
            models.Index(fields=["grain", "measure", "month"], name="mfig_grain_measure_month_idx"),
            models.Index(fields=["district", "grain", "measure", "month"], name="mfig_district_idx"),
            models.Index(fields=["bank", "grain", "measure", "month"], name="mfig_bank_idx"),
            models.Index(fields=["outlet", "month"], name="mfig_outlet_month_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="mfig_grain_matches_keys",
                condition=Q(grain="o", outlet__isnull=False) | Q(grain="b", outlet__isnull=True),
            ),
            models.UniqueConstraint(fields=["month", "outlet", "channel", "item", "measure"],
                                    condition=Q(grain="o"), name="mfig_unique_outlet"),
            models.UniqueConstraint(fields=["month", "district", "bank", "channel", "item", "measure"],
                                    condition=Q(grain="b"), name="mfig_unique_district_bank"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.grain} {self.measure}={self.value}"


class RefreshState(models.Model):
    """The last refresh of the figures (one row, pk=1); its row lock serialises concurrent refreshes."""

    refreshed_at = models.DateTimeField(_("更新时间"), null=True, blank=True)
    since = models.DateField(_("起始日期"), null=True, blank=True)
    until = models.DateField(_("截止日期"), null=True, blank=True)
    seconds = models.FloatField(_("耗时（秒）"), default=0)
    rows = models.PositiveIntegerField(_("写入行数"), default=0)

    class Meta:
        verbose_name = _("统计数更新状态")
        verbose_name_plural = _("统计数更新状态")

    def __str__(self) -> str:
        return f"{self.refreshed_at}"


# --- statistical reports --------------------------------------------------------------------------


class ReportKind(models.TextChoices):
    MONTHLY = "monthly", _("月报")
    QUARTERLY = "quarterly", _("季报")
    YEARLY = "yearly", _("年报")
    CUSTOM = "custom", _("自定义期间")


def _report_path(instance: IssuedReport, filename: str) -> str:
    return f"dashboards/reports/{instance.period_start:%Y}/{filename}"


class IssuedReport(models.Model):
    """An issued statistical report: the figures of a period for a district or the city, as Excel and PDF.

    Immutable: PostgreSQL and SQLite triggers refuse every UPDATE (and DELETE on PostgreSQL); a reissue is a
    new row with the next version number. The files' SM3 digests are part of the row and are checked on
    every download."""

    kind = models.CharField(_("报表类型"), max_length=10, choices=ReportKind.choices)
    district = models.ForeignKey(
        "institutions.Agency", verbose_name=_("统计范围"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("为空表示全市"),
    )  # fmt: skip
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    version = models.PositiveIntegerField(_("版本"))
    title = models.CharField(_("标题"), max_length=100)
    figures = models.JSONField(_("统计数据"), default=dict)
    xlsx = models.FileField(_("Excel文件"), upload_to=_report_path, max_length=200)
    pdf = models.FileField(_("PDF文件"), upload_to=_report_path, max_length=200)
    xlsx_sm3 = models.CharField(_("Excel文件摘要"), max_length=64)
    pdf_sm3 = models.CharField(_("PDF文件摘要"), max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("生成人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("为空表示按计划自动生成"),
    )  # fmt: skip
    issued_at = models.DateTimeField(_("生成时间"))
    data_as_of = models.DateTimeField(_("数据截至"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    SCOPE = {"district": ("district_id", "agency_id")}

    class Meta:
        verbose_name = _("统计报表")
        verbose_name_plural = _("统计报表")
        ordering = ["-period_start", "kind", "district__code", "-version"]
        indexes = [models.Index(fields=["district", "kind", "period_start"], name="report_scope_period_idx")]
        constraints = [
            models.UniqueConstraint(fields=["kind", "district", "period_start", "period_end", "version"],
                                    condition=Q(district__isnull=False), name="report_unique_version_district"),
            models.UniqueConstraint(fields=["kind", "period_start", "period_end", "version"],
                                    condition=Q(district__isnull=True), name="report_unique_version_city"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="report_period_ordered"),
            models.CheckConstraint(condition=Q(version__gte=1), name="report_version_positive"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.title}（第{self.version}版）"

    @property
    def scope_name(self) -> str:
        return self.district.district_name if self.district_id and self.district else str(_("全市"))


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


class ReportRun(models.Model):
    """A request to generate a report (scheduled or ad hoc), with its progress for the page to poll."""

    kind = models.CharField(_("报表类型"), max_length=10, choices=ReportKind.choices)
    district = models.ForeignKey(
        "institutions.Agency", verbose_name=_("统计范围"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    status = models.CharField(_("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    phase = models.CharField(_("当前步骤"), max_length=60, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")  # fmt: skip
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    report = models.ForeignKey(IssuedReport, verbose_name=_("生成的报表"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="runs")  # fmt: skip
    error = models.CharField(_("失败原因"), max_length=300, blank=True)

    SCOPE = {"district": ("district_id", "agency_id")}

    class Meta:
        verbose_name = _("报表生成任务")
        verbose_name_plural = _("报表生成任务")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_run_progress_le_100"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="report_run_period_ordered"),
            models.CheckConstraint(condition=~Q(status="done") | Q(report__isnull=False),
                                   name="report_run_done_has_report"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start}–{self.period_end}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def scope_name(self) -> str:
        return self.district.district_name if self.district_id and self.district else str(_("全市"))
