"""The outlet lifecycle (R4, R3, R8.4, R6): bank cooperation, outlet applications, site inspections,
agreements, filings, plaques, suspensions, renewals, terminations, and the outlet's timeline.

Statuses and their transitions live in workflow.py; only services.py changes them.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sheyin.accounts.scope import EVERY_PARTY, outlet_scope
from sheyin.common.models import TimeStampedModel

from .workflow import (
    AgreementStatus,
    BankApplicationStatus,
    ChangeRequestStatus,
    ChecklistStatus,
    ExceptionStatus,
    FilingStatus,
    InspectionStatus,
    OpenItemStatus,
    OutletApplicationStatus,
    PlaqueStatus,
    TerminationStatus,
)

USER = settings.AUTH_USER_MODEL


def _random_name(prefix: str, filename: str) -> str:
    """Stored under a random name: no personal data or user input in paths."""
    ext = Path(filename).suffix.lower()[:8]
    return f"cooperation/{prefix}/{uuid.uuid4().hex}{ext}"


def application_upload(instance: models.Model, filename: str) -> str:
    return _random_name("applications", filename)


def inspection_upload(instance: models.Model, filename: str) -> str:
    return _random_name("inspections", filename)


class CooperationSettings(models.Model):
    """The municipal center's editable numbers for the lifecycle (domain.md, Annex defaults). One row."""

    term_years = models.PositiveSmallIntegerField(_("协议期限（年）"), default=3)
    renewal_objection_days = models.PositiveSmallIntegerField(
        _("续期异议提前天数"), default=30, help_text=_("协议期满前至少多少日提出异议方可不续期")
    )
    filing_deadline_workdays = models.PositiveSmallIntegerField(
        _("备案期限（工作日）"), default=10, help_text=_("区级协议签订后多少个工作日内报市级备案")
    )
    expiry_warning_days = models.PositiveSmallIntegerField(
        _("到期提醒提前天数"),
        default=60,
        help_text=_("协议期满前多少日提醒双方（附异议截止日期），协议列表同时标出即将到期的协议"),
    )
    layout_nearest_count = models.PositiveSmallIntegerField(
        _("布局核查显示最近点数"), default=8, help_text=_("布局核查地图上显示的最近网点和经办机构数量")
    )
    opening_check_workdays = models.PositiveSmallIntegerField(
        _("开业核查期限（工作日）"),
        default=10,
        help_text=_("颁发标牌后多少个工作日内，区级经办机构到网点核查标牌悬挂、授权人员到岗和社保专用窗口"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    SCOPE = EVERY_PARTY  # read by every service

    class Meta:
        verbose_name = _("网点合作参数")
        verbose_name_plural = _("网点合作参数")
        constraints = [
            models.CheckConstraint(condition=Q(term_years__gte=1, term_years__lte=10), name="coop_term_1_10"),
            models.CheckConstraint(
                condition=Q(filing_deadline_workdays__gte=1), name="coop_filing_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(_("网点合作参数"))


class DocumentTemplate(models.Model):
    """An agreement text (Annex 2 municipal, Annex 4 district) with ${placeholders}; versioned, the
    municipal center edits it by saving a new version. A signed agreement keeps its own rendered text."""

    class Kind(models.TextChoices):
        MUNICIPAL = "municipal", _("市级合作协议（附件2）")
        DISTRICT = "district", _("区级合作协议（附件4）")

    kind = models.CharField(_("协议类型"), max_length=10, choices=Kind.choices)
    version = models.PositiveIntegerField(_("版本"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), help_text=_("可使用占位符，如 ${bank_name}；每段以空行分隔"))
    is_current = models.BooleanField(_("现行版本"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        USER, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    SCOPE = EVERY_PARTY

    class Meta:
        verbose_name = _("协议模板")
        verbose_name_plural = _("协议模板")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="coop_template_version_unique"),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(is_current=True), name="coop_template_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class ChecklistTemplate(models.Model):
    """The construction-standard checklist (Annex 1), versioned. An inspection keeps the version it used."""

    Status = ChecklistStatus

    version = models.PositiveIntegerField(_("版本"), unique=True)
    title = models.CharField(_("标题"), max_length=200)
    note = models.CharField(_("修订说明"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        USER, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    SCOPE = EVERY_PARTY

    class Meta:
        verbose_name = _("建设标准检查表")
        verbose_name_plural = _("建设标准检查表")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="published"), name="coop_checklist_one_published"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class ChecklistItem(models.Model):
    class Group(models.TextChoices):
        SIGNAGE = "signage", _("有标识")
        ZONES = "zones", _("功能分区")
        MODES = "modes", _("服务方式")
        NETWORK = "network", _("有网络、有系统")
        STAFF = "staff", _("有人员")
        RULES = "rules", _("有制度")
        ABILITY = "ability", _("能办事")

    class Level(models.TextChoices):
        MUST = "must", _("必备")
        SHOULD = "should", _("建议")

    class Mode(models.TextChoices):
        NONE = "", _("—")
        TERMINAL = "terminal", _("自助终端")
        ONLINE = "online", _("网厅自助")
        COUNTER = "counter", _("人工窗口")

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("编号"), max_length=10)
    group = models.CharField(_("分组"), max_length=10, choices=Group.choices)
    mode = models.CharField(_("服务方式"), max_length=10, choices=Mode.choices, blank=True, default="")
    level = models.CharField(_("要求"), max_length=6, choices=Level.choices, default=Level.MUST)
    text = models.CharField(_("检查内容"), max_length=300)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    SCOPE = EVERY_PARTY

    class Meta:
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")
        ordering = ["template", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="coop_checklist_item_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class BankApplication(TimeStampedModel):
    """A bank's Beijing branch (or head office) applies to the municipal center (R4.1)."""

    class Applicant(models.TextChoices):
        BRANCH = "branch", _("北京分行")
        HEAD_OFFICE = "head_office", _("总行")

    number = models.CharField(_("申请编号"), max_length=30, unique=True)
    bank = models.ForeignKey(
        "institutions.Bank",
        verbose_name=_("银行"),
        on_delete=models.PROTECT,
        related_name="cooperation_applications",
    )
    applicant = models.CharField(
        _("申请主体"), max_length=12, choices=Applicant.choices, default=Applicant.BRANCH
    )
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=30)
    planned_outlets = models.PositiveIntegerField(_("拟设网点数"), default=1)
    proposal = models.TextField(_("合作方案"), help_text=_("系统对接方式（总对总）、拟开展服务、保障措施等"))
    status = models.CharField(
        _("状态"), max_length=12, choices=BankApplicationStatus.choices, default=BankApplicationStatus.DRAFT
    )
    created_by = models.ForeignKey(
        USER, verbose_name=_("申请人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        USER, verbose_name=_("审核人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_opinion = models.TextField(_("审核意见"), blank=True)
    decided_by = models.ForeignKey(
        USER, verbose_name=_("审批人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审批意见"), blank=True)

    SCOPE = {"bank": ("bank_id", "bank_id")}

    class Meta:
        verbose_name = _("银行合作申请")
        verbose_name_plural = _("银行合作申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One application in progress per bank at a time.
            models.UniqueConstraint(
                fields=["bank"],
                condition=Q(status__in=["draft", "submitted", "returned", "reviewed"]),
                name="coop_one_open_bank_application",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("reviewed_by")),
                name="coop_bank_app_reviewer_not_approver",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.bank}"


class Agreement(TimeStampedModel):
    """A cooperation agreement: municipal (Annex 2, bank ↔ municipal center) or district (Annex 4,
    outlet ↔ district agency). Its text is rendered from the template version current at creation."""

    Kind = DocumentTemplate.Kind

    kind = models.CharField(_("协议类型"), max_length=10, choices=Kind.choices)
    number = models.CharField(_("协议编号"), max_length=40, unique=True)
    bank = models.ForeignKey(
        "institutions.Bank", verbose_name=_("银行"), on_delete=models.PROTECT, related_name="agreements"
    )
    agency = models.ForeignKey(
        "institutions.Agency", verbose_name=_("经办机构"), on_delete=models.PROTECT, related_name="agreements"
    )
    outlet = models.ForeignKey(
        "institutions.Outlet",
        verbose_name=_("网点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    bank_application = models.ForeignKey(
        BankApplication,
        verbose_name=_("银行合作申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    outlet_application = models.ForeignKey(
        "OutletApplication",
        verbose_name=_("网点申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    template = models.ForeignKey(
        DocumentTemplate, verbose_name=_("模板版本"), on_delete=models.PROTECT, related_name="agreements"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    status = models.CharField(
        _("状态"), max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    term_years = models.PositiveSmallIntegerField(_("期限（年）"), default=3)
    bank_signed_on = models.DateField(_("银行签署日期"), null=True, blank=True)
    agency_signed_on = models.DateField(_("经办机构签署日期"), null=True, blank=True)
    start_date = models.DateField(_("生效日期"), null=True, blank=True)
    end_date = models.DateField(_("到期日期"), null=True, blank=True)
    # The end date the parties were last reminded of (once per term: the reminder job is idempotent).
    renewal_reminded_for = models.DateField(_("已提醒的到期日期"), null=True, blank=True)
    signed_by = models.ForeignKey(
        USER, verbose_name=_("签署登记人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filing_due = models.DateField(_("备案截止日期"), null=True, blank=True)
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    end_reason = models.TextField(_("终止原因"), blank=True)

    SCOPE = {
        "district": ("agency_id", "agency_id"),
        "bank": ("bank_id", "bank_id"),
        "outlet": ("outlet_id", "outlet_id"),
    }

    class Meta:
        verbose_name = _("合作协议")
        verbose_name_plural = _("合作协议")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank"],
                condition=Q(kind="municipal", status__in=["draft", "active"]),
                name="coop_one_live_municipal_agreement",
            ),
            models.UniqueConstraint(
                fields=["outlet"],
                condition=Q(kind="district", status__in=["draft", "active"]),
                name="coop_one_live_district_agreement",
            ),
            models.CheckConstraint(
                condition=Q(kind="municipal", outlet__isnull=True) | Q(kind="district", outlet__isnull=False),
                name="coop_agreement_outlet_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="coop_agreement_term_order",
            ),
        ]
        indexes = [models.Index(fields=["status", "end_date"], name="coop_agreement_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def party_name(self) -> str:
        return str(self.outlet) if self.outlet_id else str(self.bank)


class AgreementRenewal(models.Model):
    """One automatic renewal for the same term (R6.1). (agreement, term_no) is unique: a second run of
    the job cannot renew the same term twice."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="renewals")
    term_no = models.PositiveSmallIntegerField(_("期次"))
    previous_end = models.DateField(_("原到期日期"))
    start_date = models.DateField(_("续期起始"))
    end_date = models.DateField(_("续期到期"))
    renewed_at = models.DateTimeField(_("续期时间"), auto_now_add=True)

    SCOPE = {
        "district": ("agreement__agency_id", "agency_id"),
        "bank": ("agreement__bank_id", "bank_id"),
        "outlet": ("agreement__outlet_id", "outlet_id"),
    }

    class Meta:
        verbose_name = _("协议续期")
        verbose_name_plural = _("协议续期")
        ordering = ["agreement", "term_no"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "term_no"], name="coop_renewal_once_per_term")
        ]

    def __str__(self) -> str:
        return f"{self.agreement.number} #{self.term_no}"


class RenewalObjection(models.Model):
    """A party's objection to automatic renewal, recorded at least N days before expiry (R6.1)."""

    class Party(models.TextChoices):
        AGENCY = "agency", _("经办机构")
        BANK = "bank", _("银行")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="objections")
    party = models.CharField(_("提出方"), max_length=10, choices=Party.choices)
    reason = models.TextField(_("异议理由"))
    term_end = models.DateField(_("针对的到期日期"))
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        USER, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The party that raised it may withdraw it before the term ends; the agreement then renews (R6.1).
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        USER, verbose_name=_("撤回人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdraw_reason = models.CharField(_("撤回理由"), max_length=300, blank=True)

    SCOPE = AgreementRenewal.SCOPE

    class Meta:
        verbose_name = _("续期异议")
        verbose_name_plural = _("续期异议")
        ordering = ["-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "term_end", "party"],
                condition=Q(withdrawn_at__isnull=True),
                name="coop_one_standing_objection_per_party",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement.number} {self.get_party_display()}"


class OutletApplication(TimeStampedModel):
    """A branch of a bank with an active municipal agreement applies for one outlet to its district (R4.2)."""

    number = models.CharField(_("申请编号"), max_length=30, unique=True)
    bank = models.ForeignKey(
        "institutions.Bank",
        verbose_name=_("银行"),
        on_delete=models.PROTECT,
        related_name="outlet_applications",
    )
    branch = models.ForeignKey(
        "institutions.Branch",
        verbose_name=_("申请支行"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outlet_applications",
    )
    district = models.ForeignKey(
        "institutions.Agency",
        verbose_name=_("受理区"),
        on_delete=models.PROTECT,
        related_name="outlet_applications",
    )
    outlet = models.ForeignKey(
        "institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT, related_name="applications"
    )
    printers = models.PositiveSmallIntegerField(_("打印机数"), default=1)
    floor_area_m2 = models.PositiveIntegerField(_("营业面积（平方米）"), default=0)
    staff_planned = models.PositiveSmallIntegerField(_("拟配备经办人员数"), default=2)
    guide_planned = models.PositiveSmallIntegerField(_("拟配备引导人员数"), default=1)
    staffing_plan = models.TextField(_("人员配备方案"), blank=True)
    network_plan = models.CharField(
        _("网络接入方式"), max_length=200, blank=True, help_text=_("如：专线接入社保业务系统 / VPN")
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=OutletApplicationStatus.choices,
        default=OutletApplicationStatus.DRAFT,
    )
    planned_site = models.ForeignKey(
        "planning.PlannedSite", verbose_name=_("规划点位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="applications", help_text=_("由区级布局规划采纳的推荐点位发起的申请"),
    )  # fmt: skip
    layout_result = models.JSONField(_("布局核查结果"), null=True, blank=True)
    layout_checked_at = models.DateTimeField(_("布局核查时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        USER, verbose_name=_("申请人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    admitted_by = models.ForeignKey(
        USER, verbose_name=_("受理人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    admitted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, verbose_name=_("验收决定人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decision_reason = models.TextField(_("决定意见"), blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)

    SCOPE = outlet_scope()

    class Meta:
        verbose_name = _("网点设立申请")
        verbose_name_plural = _("网点设立申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["outlet"],
                condition=~Q(status__in=["rejected", "withdrawn"]),
                name="coop_one_live_application_per_outlet",
            ),
        ]
        indexes = [models.Index(fields=["district", "status"], name="coop_app_district_status_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.outlet.name}"


class ApplicationFile(models.Model):
    class Kind(models.TextChoices):
        FLOOR_PLAN = "floor_plan", _("平面布置图")
        PHOTO = "photo", _("现场照片")

    application = models.ForeignKey(OutletApplication, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to=application_upload)
    name = models.CharField(_("文件名"), max_length=200)
    content_kind = models.CharField(_("格式"), max_length=10)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    uploaded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    SCOPE = {
        "district": ("application__district_id", "agency_id"),
        "bank": ("application__bank_id", "bank_id"),
        "outlet": ("application__outlet_id", "outlet_id"),
    }

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return self.name


class LayoutException(models.Model):
    """A district's justification for an outlet inside the minimum distance, approved or refused by the
    municipal center (R8.4)."""

    application = models.ForeignKey(
        OutletApplication, on_delete=models.CASCADE, related_name="layout_exceptions"
    )
    justification = models.TextField(_("理由"))
    violations = models.JSONField(_("违反的距离要求"), default=list)
    status = models.CharField(
        _("状态"), max_length=10, choices=ExceptionStatus.choices, default=ExceptionStatus.PENDING
    )
    requested_by = models.ForeignKey(
        USER, verbose_name=_("申请人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        USER, verbose_name=_("审批人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审批意见"), blank=True)

    SCOPE = {
        "district": ("application__district_id", "agency_id"),
        "bank": ("application__bank_id", "bank_id"),
    }

    class Meta:
        verbose_name = _("布局例外申请")
        verbose_name_plural = _("布局例外申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status="pending"),
                name="coop_one_pending_layout_exception",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application.number} {self.get_status_display()}"


class SiteInspection(TimeStampedModel):
    """A district inspector's site inspection against the Annex 1 checklist (R4.3, R3.1, R3.2)."""

    application = models.ForeignKey(OutletApplication, on_delete=models.PROTECT, related_name="inspections")
    outlet = models.ForeignKey(
        "institutions.Outlet", on_delete=models.PROTECT, related_name="site_inspections"
    )
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("检查表版本"), on_delete=models.PROTECT, related_name="inspections"
    )
    round = models.PositiveSmallIntegerField(_("检查轮次"), default=1)
    inspector = models.ForeignKey(
        USER, verbose_name=_("检查人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visit_date = models.DateField(_("检查日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.DRAFT
    )
    passed = models.BooleanField(_("是否通过"), null=True, blank=True)
    summary = models.TextField(_("检查结论"), blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    SCOPE = {
        "district": ("application__district_id", "agency_id"),
        "bank": ("application__bank_id", "bank_id"),
        "outlet": ("outlet_id", "outlet_id"),
    }

    class Meta:
        verbose_name = _("现场检查")
        verbose_name_plural = _("现场检查")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "round"], name="coop_inspection_round_unique"),
            models.UniqueConstraint(
                fields=["application"], condition=Q(status="draft"), name="coop_one_open_inspection"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.number} #{self.round}"


class InspectionResult(models.Model):
    class Result(models.TextChoices):
        PENDING = "", _("未检查")
        PASS = "pass", _("符合")
        FAIL = "fail", _("不符合")
        NA = "na", _("不适用")

    inspection = models.ForeignKey(SiteInspection, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("结果"), max_length=4, choices=Result.choices, blank=True, default="")
    note = models.CharField(_("说明"), max_length=500, blank=True)

    SCOPE = {
        "district": ("inspection__application__district_id", "agency_id"),
        "bank": ("inspection__application__bank_id", "bank_id"),
    }

    class Meta:
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")
        ordering = ["item__order", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="coop_result_once_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item.code} {self.get_result_display()}"


class InspectionPhoto(models.Model):
    result = models.ForeignKey(InspectionResult, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("照片"), upload_to=inspection_upload)
    name = models.CharField(_("文件名"), max_length=200)
    content_kind = models.CharField(_("格式"), max_length=10)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    SCOPE = {
        "district": ("result__inspection__application__district_id", "agency_id"),
        "bank": ("result__inspection__application__bank_id", "bank_id"),
    }

    class Meta:
        verbose_name = _("检查照片")
        verbose_name_plural = _("检查照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Filing(TimeStampedModel):
    """Filing of a district agreement with the municipal center (R4.4): maker submits, another checks."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("区级协议"), on_delete=models.PROTECT, related_name="filings"
    )
    outlet = models.ForeignKey("institutions.Outlet", on_delete=models.PROTECT, related_name="filings")
    district = models.ForeignKey("institutions.Agency", on_delete=models.PROTECT, related_name="filings")
    status = models.CharField(
        _("状态"), max_length=10, choices=FilingStatus.choices, default=FilingStatus.SUBMITTED
    )
    due_date = models.DateField(_("备案截止日期"))
    note = models.TextField(_("报送说明"), blank=True)
    submitted_by = models.ForeignKey(
        USER, verbose_name=_("报送人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("报送时间"))
    checked_by = models.ForeignKey(
        USER, verbose_name=_("审核人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    check_reason = models.TextField(_("审核意见"), blank=True)

    SCOPE = {
        "district": ("district_id", "agency_id"),
        "bank": ("outlet__bank_id", "bank_id"),
        "outlet": ("outlet_id", "outlet_id"),
    }

    class Meta:
        verbose_name = _("协议备案")
        verbose_name_plural = _("协议备案")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(status__in=["submitted", "approved"]),
                name="coop_one_live_filing_per_agreement",
            ),
            models.CheckConstraint(
                condition=Q(checked_by__isnull=True) | ~Q(checked_by=models.F("submitted_by")),
                name="coop_filing_maker_not_checker",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.number} {self.get_status_display()}"

    @property
    def on_time(self) -> bool:
        return self.submitted_at.date() <= self.due_date


class Plaque(models.Model):
    """The city-wide uniform plaque “社保服务合作网点” (R4.4), recovered at termination (R6.4)."""

    number = models.CharField(_("标牌编号"), max_length=30, unique=True)
    outlet = models.ForeignKey(
        "institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT, related_name="plaques"
    )
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("区级协议"), on_delete=models.PROTECT, related_name="plaques"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=PlaqueStatus.choices, default=PlaqueStatus.VALID
    )
    issued_on = models.DateField(_("颁发日期"))
    issued_by = models.ForeignKey(
        USER, verbose_name=_("颁发人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recovered_on = models.DateField(_("收回日期"), null=True, blank=True)
    recovered_reason = models.CharField(_("收回原因"), max_length=300, blank=True)

    SCOPE = {
        "district": ("outlet__district_id", "agency_id"),
        "bank": ("outlet__bank_id", "bank_id"),
        "outlet": ("outlet_id", "outlet_id"),
        "self": ("outlet_id", "outlet_id"),
    }

    class Meta:
        verbose_name = _("网点标牌")
        verbose_name_plural = _("网点标牌")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["outlet"], condition=Q(status="valid"), name="coop_one_valid_plaque"
            )
        ]

    def __str__(self) -> str:
        return self.number


class Suspension(models.Model):
    """An operating outlet suspended (reason, dates) and later resumed."""

    outlet = models.ForeignKey("institutions.Outlet", on_delete=models.PROTECT, related_name="suspensions")
    reason = models.TextField(_("暂停原因"))
    starts_on = models.DateField(_("暂停开始日期"))
    planned_end = models.DateField(_("计划恢复日期"), null=True, blank=True)
    suspended_by = models.ForeignKey(
        USER, verbose_name=_("决定人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    suspended_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    resumed_on = models.DateField(_("恢复日期"), null=True, blank=True)
    resumed_by = models.ForeignKey(
        USER, verbose_name=_("恢复人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resume_reason = models.TextField(_("恢复说明"), blank=True)

    SCOPE = {
        "district": ("outlet__district_id", "agency_id"),
        "bank": ("outlet__bank_id", "bank_id"),
        "outlet": ("outlet_id", "outlet_id"),
    }

    class Meta:
        verbose_name = _("暂停服务")
        verbose_name_plural = _("暂停服务")
        ordering = ["-suspended_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["outlet"], condition=Q(resumed_on__isnull=True), name="coop_one_open_suspension"
            ),
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True) | Q(planned_end__gte=models.F("starts_on")),
                name="coop_suspension_dates_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outlet} {self.starts_on}"


class Termination(TimeStampedModel):
    """Ending an outlet's cooperation (R6.2–R6.4), or a bank's municipal agreement with all its outlets."""

    class Kind(models.TextChoices):
        NEGOTIATED = "negotiated", _("协商解除")
        UNILATERAL = "unilateral", _("经办机构单方解除")
        EXPIRED = "expired", _("期满不续")
        BANK_ENDED = "bank_ended", _("市级协议终止")

    class Ground(models.TextChoices):
        NONE = "", _("—")
        VIOLATION = "violation", _("违规并造成不良影响")
        FAILED_APPRAISAL = "failed_appraisal", _("考核不合格")

    class Side(models.TextChoices):
        AGENCY = "agency", _("经办机构")
        BANK = "bank", _("银行")

    kind = models.CharField(_("终止方式"), max_length=12, choices=Kind.choices)
    ground = models.CharField(
        _("单方解除事由"), max_length=20, choices=Ground.choices, blank=True, default=""
    )
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("协议"), on_delete=models.PROTECT, related_name="terminations"
    )
    outlet = models.ForeignKey(
        "institutions.Outlet",
        verbose_name=_("网点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="terminations",
    )
    bank = models.ForeignKey(
        "institutions.Bank", verbose_name=_("银行"), on_delete=models.PROTECT, related_name="terminations"
    )
    district = models.ForeignKey(
        "institutions.Agency",
        verbose_name=_("所在区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="terminations",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("所属市级协议终止"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=TerminationStatus.choices, default=TerminationStatus.PROPOSED
    )
    reason = models.TextField(_("终止理由"))
    proposed_side = models.CharField(_("提出方"), max_length=10, choices=Side.choices, default=Side.AGENCY)
    notice_date = models.DateField(_("通知日期"), null=True, blank=True)
    effective_date = models.DateField(_("生效日期"))
    proposed_by = models.ForeignKey(
        USER, verbose_name=_("提出人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency_confirmed_by = models.ForeignKey(
        USER,
        verbose_name=_("经办机构确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agency_confirmed_at = models.DateTimeField(_("经办机构确认时间"), null=True, blank=True)
    bank_confirmed_by = models.ForeignKey(
        USER, verbose_name=_("银行确认人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bank_confirmed_at = models.DateTimeField(_("银行确认时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        USER, verbose_name=_("批准人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    executed_at = models.DateTimeField(_("执行时间"), null=True, blank=True)
    staff_revoked = models.PositiveIntegerField(_("撤销权限数"), default=0)
    notice_id = models.PositiveBigIntegerField(_("公告编号"), null=True, blank=True)
    cancel_reason = models.TextField(_("撤销理由"), blank=True)

    SCOPE = outlet_scope()

    class Meta:
        verbose_name = _("终止合作")
        verbose_name_plural = _("终止合作")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["outlet"],
                condition=Q(
                    status__in=["proposed", "scheduled", "effective", "closed"], outlet__isnull=False
                ),
                name="coop_one_termination_per_outlet",
            ),
            models.CheckConstraint(
                condition=~Q(kind="unilateral") | ~Q(ground=""), name="coop_unilateral_needs_ground"
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | ~Q(approved_by=models.F("proposed_by"))
                | ~Q(kind="unilateral"),
                name="coop_unilateral_maker_not_checker",
            ),
        ]

    def __str__(self) -> str:
        target = self.outlet or self.bank
        return f"{target} · {self.get_kind_display()}"


class OpenItem(models.Model):
    """Something left open at termination (archives not handed over, open tickets, …), tracked to closure.
    Sources register in open_items.py; they come from apps built later (casework, support)."""

    termination = models.ForeignKey(Termination, on_delete=models.CASCADE, related_name="open_items")
    outlet = models.ForeignKey("institutions.Outlet", on_delete=models.PROTECT, related_name="open_items")
    kind = models.CharField(_("类型"), max_length=40)
    description = models.CharField(_("事项"), max_length=300)
    object_type = models.CharField(_("关联对象类型"), max_length=80, blank=True)
    object_id = models.CharField(_("关联对象编号"), max_length=64, blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=OpenItemStatus.choices, default=OpenItemStatus.OPEN
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    closed_by = models.ForeignKey(
        USER, verbose_name=_("办结人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    close_note = models.CharField(_("办结说明"), max_length=300, blank=True)

    SCOPE = {
        "district": ("outlet__district_id", "agency_id"),
        "bank": ("outlet__bank_id", "bank_id"),
        "outlet": ("outlet_id", "outlet_id"),
    }

    class Meta:
        verbose_name = _("未结事项")
        verbose_name_plural = _("未结事项")
        ordering = ["status", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["termination", "kind", "object_type", "object_id"], name="coop_open_item_once"
            )
        ]

    def __str__(self) -> str:
        return self.description


class OutletChangeRequest(TimeStampedModel):
    """A change to what a rule depends on (place, name, floor area, windows, terminals, online counters,
    document cameras, card machines) of an accepted, operating or suspended outlet (R3.1, R8.4, R4.2).
    The bank or the outlet asks; the district decides (maker–checker). A move is checked against the
    layout again; one inside the minimum distance needs the municipal center's layout exception first.
    `changes` lists each field with its value when asked (`from`) and the value asked for (`to`)."""

    number = models.CharField(_("申请编号"), max_length=30, unique=True)
    outlet = models.ForeignKey(
        "institutions.Outlet",
        verbose_name=_("网点"),
        on_delete=models.PROTECT,
        related_name="change_requests",
    )
    # The outlet's bank and district, copied so that every scope filter is a plain column comparison.
    bank = models.ForeignKey("institutions.Bank", on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey("institutions.Agency", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("状态"), max_length=14, choices=ChangeRequestStatus.choices, default=ChangeRequestStatus.SUBMITTED
    )
    changes = models.JSONField(_("变更内容"), default=list)
    reason = models.TextField(_("变更说明"))
    requested_by = models.ForeignKey(
        USER, verbose_name=_("申请人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    layout_result = models.JSONField(_("布局核查结果"), null=True, blank=True)
    layout_checked_at = models.DateTimeField(_("布局核查时间"), null=True, blank=True)
    layout_justification = models.TextField(_("布局例外理由"), blank=True)
    layout_requested_by = models.ForeignKey(
        USER,
        verbose_name=_("布局例外申请人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    layout_requested_at = models.DateTimeField(_("布局例外申请时间"), null=True, blank=True)
    layout_covered = models.JSONField(_("已批准的布局例外"), default=list, blank=True)
    layout_decided_by = models.ForeignKey(
        USER,
        verbose_name=_("布局例外审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    layout_decided_at = models.DateTimeField(_("布局例外审批时间"), null=True, blank=True)
    layout_decision_reason = models.TextField(_("布局例外审批意见"), blank=True)
    decided_by = models.ForeignKey(
        USER, verbose_name=_("审核人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审核意见"), blank=True)

    SCOPE = outlet_scope()

    class Meta:
        verbose_name = _("网点信息变更申请")
        verbose_name_plural = _("网点信息变更申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["outlet"],
                condition=Q(status__in=["submitted", "layout_review"]),
                name="coop_one_open_change_request",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | ~Q(decided_by=models.F("requested_by")),
                name="coop_change_maker_not_checker",
            ),
        ]
        indexes = [models.Index(fields=["district", "status"], name="coop_change_district_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.outlet.name}"

    @property
    def moves(self) -> bool:
        return any(c["field"] in ("lon", "lat") for c in self.changes)


class LifecycleEvent(models.Model):
    """One step in an outlet's (or a bank's) cooperation history, for the timeline page. Written by the
    services beside the audit event; readable by the business roles in scope (the audit trail is not)."""

    at = models.DateTimeField(_("时间"), db_index=True)
    action = models.CharField(_("操作"), max_length=60)
    outlet = models.ForeignKey(
        "institutions.Outlet",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lifecycle_events",
    )
    bank = models.ForeignKey(
        "institutions.Bank", null=True, blank=True, on_delete=models.PROTECT, related_name="lifecycle_events"
    )
    district = models.ForeignKey(
        "institutions.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lifecycle_events",
    )
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    detail = models.TextField(_("说明"), blank=True)
    object_type = models.CharField(_("对象类型"), max_length=80, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)

    SCOPE = outlet_scope()

    class Meta:
        verbose_name = _("合作历程")
        verbose_name_plural = _("合作历程")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["outlet", "at"], name="coop_event_outlet_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.action}"


class OpeningCheck(models.Model):
    """开业核查: what the pre-opening inspection cannot ask (R3.2, R9.1, R7.3) — the plaque at the entrance,
    an authorised person at each window, the dedicated social-insurance window — checked by the district
    within N working days after the plaque is issued. A pending row is opened with the plaque; a failed
    check orders a rectification (supervision) and the district may check again."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待核查")
        PASSED = "passed", _("核查通过")
        FAILED = "failed", _("核查不通过")

    outlet = models.ForeignKey(
        "institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT, related_name="opening_checks"
    )
    district = models.ForeignKey("institutions.Agency", on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("institutions.Bank", on_delete=models.PROTECT, related_name="+")
    plaque = models.ForeignKey(
        Plaque, verbose_name=_("标牌"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("核查期限"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PENDING)
    answers = models.JSONField(_("核查结果"), default=dict, blank=True)
    authorised_staff = models.PositiveSmallIntegerField(_("核查时已授权人员数"), null=True, blank=True)
    windows = models.PositiveSmallIntegerField(_("核查时人工窗口数"), null=True, blank=True)
    note = models.TextField(_("核查说明"), blank=True)
    recorded_by = models.ForeignKey(
        USER, verbose_name=_("核查人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    rectification = models.ForeignKey(
        "supervision.Rectification",
        verbose_name=_("整改通知"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    SCOPE = outlet_scope(own=("outlet_id", "outlet_id"))

    class Meta:
        verbose_name = _("开业核查")
        verbose_name_plural = _("开业核查")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "due_date"], name="coop_opening_status_due_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["outlet"], condition=Q(status="pending"), name="coop_one_pending_opening_check"
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(recorded_at__isnull=False),
                name="coop_opening_check_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outlet} {self.get_status_display()}"
