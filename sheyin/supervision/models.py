"""District oversight (R7.2, R7.4, R7.5, R9.4, R9.5, R6.3; Annex 13): inspections, data-analysis rules,
findings, rectification orders, bank self-inspection, appraisals and consultations.

Rows about an outlet copy the outlet's district and bank so every scope filter is a plain column
comparison. Defaults (deadlines, weights, thresholds) are rows the municipal center edits, not constants.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sheyin.accounts.scope import outlet_scope

from .workflow import (
    FindingStatus,
    InspectionStatus,
    ProposalStatus,
    RectificationStatus,
    SelfInspectionStatus,
)

OUTLET_SCOPE = outlet_scope(own=("outlet_id", "outlet_id"))
# Appraisals and formal talks are for the outlet's manager, not every window clerk.
MANAGED_SCOPE = {k: v for k, v in OUTLET_SCOPE.items() if k != "self"}


def _upload_path(instance: models.Model, filename: str) -> str:
    ext = PurePosixPath(filename).suffix.lower()[:5]
    return f"supervision/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{ext}"


class SupervisionSettings(models.Model):
    """Deadlines, appraisal weights and grade lines (domain.md: Inspections, Appraisal). One row."""

    rectification_working_days = models.PositiveSmallIntegerField(_("整改时限（工作日）"), default=10)
    weight_ratings = models.PositiveSmallIntegerField(_("权重：好差评"), default=30)
    weight_inspections = models.PositiveSmallIntegerField(_("权重：现场检查"), default=30)
    weight_findings = models.PositiveSmallIntegerField(_("权重：数据分析发现"), default=15)
    weight_archives = models.PositiveSmallIntegerField(_("权重：档案按时移交"), default=10)
    weight_tickets = models.PositiveSmallIntegerField(_("权重：问题处理与整改"), default=15)
    finding_penalty = models.PositiveSmallIntegerField(
        _("每条数据分析发现扣分"), default=20, help_text=_("从该项满分100分中扣除，扣完为止。")
    )
    grade_excellent = models.PositiveSmallIntegerField(_("优秀分数线"), default=90)
    grade_good = models.PositiveSmallIntegerField(_("良好分数线"), default=80)
    grade_pass = models.PositiveSmallIntegerField(_("合格分数线"), default=60)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("监督检查设置")
        verbose_name_plural = _("监督检查设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_ratings__lte=100, weight_inspections__lte=100, weight_findings__lte=100,
                            weight_archives__lte=100, weight_tickets__lte=100),
                name="supervision_weights_at_most_100",
            ),
            models.CheckConstraint(
                condition=Q(grade_excellent__gt=models.F("grade_good"), grade_good__gt=models.F("grade_pass")),
                name="supervision_grades_descending",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return str(_("监督检查设置"))

    @classmethod
    def current(cls) -> SupervisionSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    @property
    def weights(self) -> dict[str, int]:
        return {
            "ratings": self.weight_ratings,
            "inspections": self.weight_inspections,
            "findings": self.weight_findings,
            "archives": self.weight_archives,
            "tickets": self.weight_tickets,
        }


# --- inspections (Annex 13) -------------------------------------------------------------------------


class InspectionPlan(models.Model):
    """A district's quarterly plan: every outlet visited at least once, part at random, part by risk."""

    district = models.ForeignKey("institutions.Agency", verbose_name=_("区经办机构"), on_delete=models.PROTECT,
                                 related_name="+")  # fmt: skip
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    risk_share = models.PositiveSmallIntegerField(_("按风险优先比例（%）"), default=50)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField(_("编制时间"), auto_now_add=True)

    SCOPE = {"district": ("district_id", "agency_id")}

    class Meta:
        verbose_name = _("检查计划")
        verbose_name_plural = _("检查计划")
        ordering = ["-year", "-quarter", "district"]
        constraints = [
            models.UniqueConstraint(fields=["district", "year", "quarter"], name="inspection_plan_unique_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="inspection_plan_quarter_1_4"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.district} {self.year}Q{self.quarter}"


class Inspection(models.Model):
    """巡查检查: an on-site visit with a checklist, a score, notes and photos (Annex 13)."""

    class Reason(models.TextChoices):
        RANDOM = "random", _("随机抽取")
        RISK = "risk", _("风险优先")
        MANUAL = "manual", _("专项检查")

    plan = models.ForeignKey(InspectionPlan, verbose_name=_("检查计划"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="inspections")  # fmt: skip
    outlet = models.ForeignKey("institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT,
                               related_name="+")  # fmt: skip
    district = models.ForeignKey("institutions.Agency", on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("institutions.Bank", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("抽取方式"), max_length=8, choices=Reason.choices, default=Reason.MANUAL)
    risk_score = models.PositiveIntegerField(_("风险分"), default=0)
    scheduled_date = models.DateField(_("计划检查日期"))
    status = models.CharField(_("状态"), max_length=8, choices=InspectionStatus.choices,
                              default=InspectionStatus.PLANNED)  # fmt: skip
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("检查人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")  # fmt: skip
    visited_at = models.DateTimeField(_("检查时间"), null=True, blank=True)
    results = models.JSONField(_("检查结果"), default=list, blank=True)
    score = models.PositiveSmallIntegerField(_("得分"), null=True, blank=True)
    notes = models.TextField(_("检查意见"), blank=True)

    SCOPE = {k: v for k, v in OUTLET_SCOPE.items() if k != "self"}

    class Meta:
        verbose_name = _("现场检查")
        verbose_name_plural = _("现场检查")
        ordering = ["-scheduled_date", "-id"]
        indexes = [models.Index(fields=["outlet", "status"], name="inspection_outlet_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__lte=100), name="inspection_score_le_100"),
            models.CheckConstraint(condition=~Q(status="done") | Q(score__isnull=False, visited_at__isnull=False),
                                   name="inspection_done_has_score"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.outlet} {self.scheduled_date}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    name = models.CharField(_("文件名"), max_length=100)
    file = models.FileField(_("照片"), upload_to=_upload_path, max_length=200)
    kind = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("检查照片")
        verbose_name_plural = _("检查照片")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


# --- data analysis and findings ---------------------------------------------------------------------


class AnalysisRule(models.Model):
    """A nightly data-analysis rule; its parameters are data the municipal center edits."""

    code = models.CharField(_("规则编码"), max_length=40, unique=True)
    name = models.CharField(_("规则名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    enabled = models.BooleanField(_("启用"), default=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    last_run_at = models.DateTimeField(_("最近运行"), null=True, blank=True)
    last_hits = models.PositiveIntegerField(_("最近命中数"), default=0)

    SCOPE = {"district": "*"}

    class Meta:
        verbose_name = _("数据分析规则")
        verbose_name_plural = _("数据分析规则")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Finding(models.Model):
    """问题发现: from an inspection, a data rule, public feedback, a rating burst or an appraisal."""

    class Source(models.TextChoices):
        INSPECTION = "inspection", _("现场检查")
        DATA_RULE = "data_rule", _("数据分析")
        PUBLIC_FEEDBACK = "public_feedback", _("群众反映")
        RATING_BURST = "rating_burst", _("评价异常")
        APPRAISAL = "appraisal", _("考核不合格")

    class Severity(models.TextChoices):
        LOW = "low", _("一般")
        MEDIUM = "medium", _("较重")
        HIGH = "high", _("严重")

    number = models.CharField(_("编号"), max_length=30, unique=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    rule = models.ForeignKey(AnalysisRule, verbose_name=_("规则"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="findings")  # fmt: skip
    inspection = models.ForeignKey(Inspection, verbose_name=_("现场检查"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="findings")  # fmt: skip
    outlet = models.ForeignKey("institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT,
                               related_name="+")  # fmt: skip
    district = models.ForeignKey("institutions.Agency", verbose_name=_("所在区"), on_delete=models.PROTECT,
                                 related_name="+")  # fmt: skip
    bank = models.ForeignKey("institutions.Bank", verbose_name=_("银行"), on_delete=models.PROTECT,
                             related_name="+")  # fmt: skip
    # What the finding is about within the outlet (a staff member's day, a case, a person), and the period:
    # with the rule, the key that keeps a nightly run idempotent.
    subject_key = models.CharField(_("对象"), max_length=120, blank=True)
    period = models.CharField(_("期间"), max_length=40, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    detail = models.TextField(_("说明"), blank=True)
    evidence = models.JSONField(_("证据"), default=dict, blank=True)
    severity = models.CharField(_("严重程度"), max_length=8, choices=Severity.choices, default=Severity.LOW)
    status = models.CharField(
        _("状态"), max_length=12, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    external_ref = models.CharField(_("外部编号"), max_length=40, blank=True)
    found_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")  # fmt: skip
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    note = models.CharField(_("处理说明"), max_length=300, blank=True)

    SCOPE = OUTLET_SCOPE

    class Meta:
        verbose_name = _("问题发现")
        verbose_name_plural = _("问题发现")
        ordering = ["-found_at", "-id"]
        indexes = [
            models.Index(fields=["district", "status"], name="finding_district_status_idx"),
            models.Index(fields=["outlet", "found_at"], name="finding_outlet_found_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["rule", "outlet", "subject_key", "period"],
                                    condition=Q(rule__isnull=False), name="finding_rule_subject_period_unique"),
            models.UniqueConstraint(fields=["source", "external_ref"], condition=~Q(external_ref=""),
                                    name="finding_external_ref_unique"),
            models.CheckConstraint(condition=~Q(source="data_rule") | Q(rule__isnull=False),
                                   name="finding_data_rule_has_rule"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Rectification(models.Model):
    """整改通知: a finding orders rectification within 10 working days; the district verifies it."""

    finding = models.ForeignKey(Finding, verbose_name=_("问题发现"), on_delete=models.PROTECT,
                                related_name="rectifications")  # fmt: skip
    outlet = models.ForeignKey("institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT,
                               related_name="+")  # fmt: skip
    district = models.ForeignKey("institutions.Agency", on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("institutions.Bank", on_delete=models.PROTECT, related_name="+")
    requirement = models.TextField(_("整改要求"))
    status = models.CharField(_("状态"), max_length=10, choices=RectificationStatus.choices,
                              default=RectificationStatus.ORDERED)  # fmt: skip
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("下达人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")  # fmt: skip
    ordered_at = models.DateTimeField(_("下达时间"), default=timezone.now)
    due_date = models.DateField(_("整改期限"))
    answer = models.TextField(_("整改情况"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")  # fmt: skip
    answered_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("核验人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")  # fmt: skip
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    verify_note = models.CharField(_("核验意见"), max_length=300, blank=True)
    rounds = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    escalated_at = models.DateTimeField(_("逾期升级时间"), null=True, blank=True)

    SCOPE = OUTLET_SCOPE

    class Meta:
        verbose_name = _("整改通知")
        verbose_name_plural = _("整改通知")
        ordering = ["-ordered_at", "-id"]
        indexes = [models.Index(fields=["status", "due_date"], name="rectification_status_due_idx")]
        constraints = [
            models.UniqueConstraint(fields=["finding"], condition=~Q(status="closed"),
                                    name="rectification_one_open_per_finding"),
            models.CheckConstraint(condition=Q(status="ordered") | ~Q(answer=""),
                                   name="rectification_answered_has_answer"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.finding.number} {self.get_status_display()}"

    @property
    def overdue(self) -> bool:
        return self.status == RectificationStatus.ORDERED and timezone.localdate() > self.due_date


class RectificationEvidence(models.Model):
    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="evidence")
    name = models.CharField(_("文件名"), max_length=100)
    file = models.FileField(_("佐证材料"), upload_to=_upload_path, max_length=200)
    kind = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("整改佐证材料")
        verbose_name_plural = _("整改佐证材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


# --- appraisal (R7.2, R9.4, R9.5, R6.3) ---------------------------------------------------------------


class Appraisal(models.Model):
    """考核: an outlet's quarterly (quarter 1–4) or yearly (quarter 0) score, grade and rankings."""

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("优秀")
        GOOD = "good", _("良好")
        PASS = "pass", _("合格")
        FAIL = "fail", _("不合格")

    outlet = models.ForeignKey("institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT,
                               related_name="+")  # fmt: skip
    district = models.ForeignKey("institutions.Agency", verbose_name=_("所在区"), on_delete=models.PROTECT,
                                 related_name="+")  # fmt: skip
    bank = models.ForeignKey("institutions.Bank", verbose_name=_("银行"), on_delete=models.PROTECT,
                             related_name="+")  # fmt: skip
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), default=0, help_text=_("0 表示年度考核"))
    components = models.JSONField(_("分项得分"), default=dict)
    score = models.DecimalField(_("总分"), max_digits=5, decimal_places=2)
    grade = models.CharField(_("等级"), max_length=10, choices=Grade.choices)
    rank_district = models.PositiveIntegerField(_("区内排名"), null=True, blank=True)
    rank_city = models.PositiveIntegerField(_("全市排名"), null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    SCOPE = MANAGED_SCOPE

    class Meta:
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        ordering = ["-year", "-quarter", "rank_city", "id"]
        constraints = [
            models.UniqueConstraint(fields=["outlet", "year", "quarter"], name="appraisal_unique_period"),
            models.CheckConstraint(condition=Q(quarter__gte=0, quarter__lte=4), name="appraisal_quarter_0_4"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.outlet} {self.period_label}"

    @property
    def period_label(self) -> str:
        return f"{self.year}" + (f"Q{self.quarter}" if self.quarter else "")

    @property
    def failed(self) -> bool:
        return self.grade == self.Grade.FAIL


class FormalTalk(models.Model):
    """约谈: recorded when an appraisal fails (Annex 3)."""

    appraisal = models.OneToOneField(Appraisal, verbose_name=_("考核结果"), on_delete=models.PROTECT,
                                     related_name="talk")  # fmt: skip
    outlet = models.ForeignKey("institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT,
                               related_name="+")  # fmt: skip
    district = models.ForeignKey("institutions.Agency", on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("institutions.Bank", on_delete=models.PROTECT, related_name="+")
    scheduled_date = models.DateField(_("约谈日期"))
    held_at = models.DateTimeField(_("实际约谈时间"), null=True, blank=True)
    minutes = models.TextField(_("约谈记录"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    SCOPE = MANAGED_SCOPE

    class Meta:
        verbose_name = _("约谈记录")
        verbose_name_plural = _("约谈记录")
        ordering = ["-scheduled_date", "-id"]

    def __str__(self) -> str:
        return f"{self.outlet} {self.scheduled_date}"


class TerminationProposal(models.Model):
    """Two failed years in a row propose unilateral termination (R6.3); the district admin forwards it
    into the lifecycle (cooperation.termination_propose, ground 考核不合格) or dismisses it."""

    outlet = models.ForeignKey("institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT,
                               related_name="+")  # fmt: skip
    district = models.ForeignKey("institutions.Agency", on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("institutions.Bank", on_delete=models.PROTECT, related_name="+")
    appraisal = models.OneToOneField(Appraisal, verbose_name=_("考核结果"), on_delete=models.PROTECT,
                                     related_name="termination_proposal")  # fmt: skip
    previous = models.ForeignKey(Appraisal, verbose_name=_("上年考核结果"), on_delete=models.PROTECT,
                                 related_name="+")  # fmt: skip
    status = models.CharField(_("状态"), max_length=10, choices=ProposalStatus.choices,
                              default=ProposalStatus.PROPOSED)  # fmt: skip
    termination_id = models.PositiveIntegerField(_("终止流程编号"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("提议时间"), auto_now_add=True)

    SCOPE = {"district": ("district_id", "agency_id")}

    class Meta:
        verbose_name = _("终止合作提议")
        verbose_name_plural = _("终止合作提议")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.outlet} {self.get_status_display()}"


# --- bank self-inspection (R7.4) and consultations (R7.5) --------------------------------------------


class SelfInspection(models.Model):
    """内部控制自查: a bank's periodic self-inspection report on a checklist; the district reviews it."""

    bank = models.ForeignKey("institutions.Bank", verbose_name=_("银行"), on_delete=models.PROTECT,
                             related_name="+")  # fmt: skip
    period = models.CharField(_("自查期间"), max_length=20, help_text=_("例如 2026Q4 或 2026H2"))
    results = models.JSONField(_("自查结果"), default=list)
    summary = models.TextField(_("自查总结"))
    status = models.CharField(_("状态"), max_length=10, choices=SelfInspectionStatus.choices,
                              default=SelfInspectionStatus.SUBMITTED)  # fmt: skip
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                     related_name="+")  # fmt: skip
    submitted_at = models.DateTimeField(_("报送时间"), default=timezone.now)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")  # fmt: skip
    reviewed_at = models.DateTimeField(_("审阅时间"), null=True, blank=True)
    review_note = models.CharField(_("审阅意见"), max_length=300, blank=True)

    SCOPE = {"district": "*", "bank": ("bank_id", "bank_id")}

    class Meta:
        verbose_name = _("银行自查报告")
        verbose_name_plural = _("银行自查报告")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "period"], name="self_inspection_unique_period")
        ]

    def __str__(self) -> str:
        return f"{self.bank} {self.period}"


class Consultation(models.Model):
    """会商: a meeting between an agency and banks (R7.5)."""

    agency = models.ForeignKey("institutions.Agency", verbose_name=_("组织机构"), on_delete=models.PROTECT,
                               related_name="+")  # fmt: skip
    bank = models.ForeignKey("institutions.Bank", verbose_name=_("参会银行"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")  # fmt: skip
    title = models.CharField(_("会商主题"), max_length=100)
    held_at = models.DateTimeField(_("会商时间"))
    attendees = models.TextField(_("参会人员"))
    minutes = models.TextField(_("会议纪要"), blank=True)
    decisions = models.TextField(_("议定事项"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    SCOPE = {"district": ("agency_id", "agency_id"), "bank": ("bank_id", "bank_id")}

    class Meta:
        verbose_name = _("会商记录")
        verbose_name_plural = _("会商记录")
        ordering = ["-held_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ConsultationAction(models.Model):
    """A follow-up action agreed in a consultation, tracked to done."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("事项"), max_length=200)
    owner = models.CharField(_("责任方"), max_length=60)
    due_date = models.DateField(_("完成期限"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_note = models.CharField(_("完成情况"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("会商跟进事项")
        verbose_name_plural = _("会商跟进事项")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.description
