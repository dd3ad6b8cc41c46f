"""Window acceptance, receipts, business archives and their handover, guided online self-service
(R2.2, R2.3, R9.2, R9.3, R9.4; Annex 10).

Scope follows the OUTLET, never the applicant: 无差别受理 means anyone from any district is served at any
outlet, and the case belongs to the outlet (and its district and bank) that accepted it. The outlet's
district and bank are copied onto each row so that every scope filter is a plain column comparison.
No clear ID number is stored here: the applicant is the core's reference, the blind index and the mask.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sheyin.accounts.scope import outlet_scope
from sheyin.common.verification import group_code

from .workflow import ArchiveStatus, BatchStatus, CaseStatus, GuidedStatus

OUTLET_SCOPE = outlet_scope()


class Case(models.Model):
    """受理: one service accepted at a staffed window (R2.3, R9.2)."""

    receipt_no = models.CharField(_("受理编号"), max_length=30, unique=True)
    # outlet, district, bank, staff and applicant_index lead composite indexes (Meta.indexes), which serve
    # their look-ups and the foreign keys' checks: no single-column index of their own (every index is
    # one more write per accepted case).
    outlet = models.ForeignKey(
        "institutions.Outlet", verbose_name=_("受理网点"), on_delete=models.PROTECT, related_name="cases",
        db_index=False,
    )  # fmt: skip
    district = models.ForeignKey("institutions.Agency", verbose_name=_("所在区"), on_delete=models.PROTECT,
                                 related_name="+", db_index=False)  # fmt: skip
    bank = models.ForeignKey(
        "institutions.Bank",
        verbose_name=_("银行"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        on_delete=models.PROTECT,
        related_name="cases_accepted",
        db_index=False,
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("复核人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="cases_reviewed",
    )  # fmt: skip
    # The catalogue as it stood at acceptance: the version and that version's own copy of the item.
    catalogue_version = models.ForeignKey(
        "catalogue.CatalogueVersion", verbose_name=_("清单版本"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    item = models.ForeignKey(
        "catalogue.ServiceItem", verbose_name=_("服务事项"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    item_code = models.CharField(_("事项编码"), max_length=12, blank=True)
    item_name = models.CharField(_("事项名称"), max_length=60, blank=True)
    item_category = models.CharField(_("事项类别"), max_length=20, blank=True)
    high_risk = models.BooleanField(_("高风险事项"), default=False)
    # The applicant: the core's reference, the blind index (for oversight matching) and masked values.
    applicant_ref = models.CharField(_("参保人员"), max_length=40, blank=True)
    applicant_index = models.CharField(max_length=64, blank=True)
    applicant_masked = models.CharField(_("证件号码"), max_length=18, blank=True)
    applicant_name = models.CharField(_("申请人"), max_length=30, blank=True)
    applicant_hukou = models.CharField(_("户籍地区代码"), max_length=6, blank=True)
    card_checked = models.BooleanField(_("已核验社保卡"), default=False)
    materials_checked = models.JSONField(_("已收材料"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    called_at = models.DateTimeField(_("叫号时间"))
    started_at = models.DateTimeField(_("开始受理时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    core_reference = models.CharField(_("核心系统业务号"), max_length=24, blank=True)
    result_message = models.CharField(_("办理结果说明"), max_length=200, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    # Single-use token for the rating QR code on the receipt (/rate/<token>/ is served by the ratings app).
    rating_token = models.CharField(max_length=43, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    SCOPE = {**OUTLET_SCOPE, "self": ("staff_id", "user_id")}

    class Meta:
        verbose_name = _("受理业务")
        verbose_name_plural = _("受理业务")
        ordering = ["-called_at", "-id"]
        indexes = [
            models.Index(fields=["outlet", "status"], name="case_outlet_status_idx"),
            models.Index(fields=["district", "called_at"], name="case_district_called_idx"),
            models.Index(fields=["staff", "status"], name="case_staff_status_idx"),
            # At Beijing's size (millions of cases a year): the lists' newest-first pages per scope, and the
            # nightly rules' window scans by time with the grouped columns included (index-only scans) and
            # the look-up of a person's cases at an outlet around a time (R9.3, R9.4).
            models.Index(fields=["called_at"], include=["outlet", "staff", "status"], name="case_called_idx"),
            models.Index(fields=["outlet", "called_at"], name="case_outlet_called_idx"),
            models.Index(fields=["bank", "called_at"], name="case_bank_called_idx"),
            models.Index(fields=["staff", "called_at"], name="case_staff_called_idx"),
            models.Index(fields=["applicant_index", "outlet", "called_at"], name="case_person_outlet_idx"),
            # The rating statistics' completed cases per period (and per district, bank or outlet): an
            # index-only range scan instead of a scan of every case.
            models.Index(
                fields=["ended_at"],
                include=["outlet", "district", "bank"],
                condition=Q(status="completed"),
                name="case_completed_ended_idx",
            ),
        ]
        constraints = [
            # Past the draft, a case carries what it was accepted under.
            models.CheckConstraint(
                condition=Q(status__in=["draft", "cancelled"])
                | Q(catalogue_version__isnull=False, item__isnull=False, applicant_index__gt=""),
                name="case_accepted_has_version_item_applicant",
            ),
            models.CheckConstraint(
                condition=Q(reviewer__isnull=True) | ~Q(reviewer=models.F("staff")),
                name="case_reviewer_not_maker",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(rating_token__isnull=False, ended_at__isnull=False),
                name="case_completed_has_token_and_end",
            ),
        ]

    def __str__(self) -> str:
        return self.receipt_no

    @property
    def is_open(self) -> bool:
        return self.status in (CaseStatus.DRAFT, CaseStatus.AWAITING_REVIEW)

    @property
    def duration_minutes(self) -> int | None:
        if self.ended_at and self.called_at:
            return max(0, round((self.ended_at - self.called_at).total_seconds() / 60))
        return None


class IssuedReceipt(models.Model):
    """A printed acceptance receipt (受理回执): its 核验码, what it said (the rows as printed, masked data
    only), the SM3 of that content and of the PDF file, and who printed it where. The public verification
    page shows the rows so that whoever holds the paper can compare it (R2.3)."""

    case = models.ForeignKey(
        Case, verbose_name=_("受理业务"), on_delete=models.PROTECT, related_name="receipts"
    )
    code = models.CharField(_("核验码"), max_length=16, unique=True)
    content = models.JSONField(_("回执内容"), default=list)  # [[label, value], ...] as printed
    content_hash = models.CharField(_("内容摘要"), max_length=64)
    pdf_hash = models.CharField(_("文件摘要"), max_length=64)
    printed_at = models.DateTimeField(_("打印时间"))
    printed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("打印人"), on_delete=models.PROTECT,
                                   related_name="+")  # fmt: skip
    outlet = models.ForeignKey(
        "institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey("institutions.Agency", on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("institutions.Bank", on_delete=models.PROTECT, related_name="+")

    SCOPE = {**OUTLET_SCOPE, "self": ("printed_by_id", "user_id")}

    class Meta:
        verbose_name = _("受理回执")
        verbose_name_plural = _("受理回执")
        ordering = ["-printed_at", "-id"]

    def __str__(self) -> str:
        return self.code

    @property
    def code_display(self) -> str:
        return group_code(self.code)


def _scan_path(instance: CaseFile, filename: str) -> str:
    # A random name: nothing personal in paths. The extension comes from the detected type.
    ext = PurePosixPath(filename).suffix.lower()[:5]
    return f"casework/scans/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{ext}"


class PersonLookup(models.Model):
    """经办人员查询记录: every time a staff member looks a person up in the core (identifying the applicant
    of a case). Self-service queries at a terminal are the person's own and live in the kiosk's log; this
    log is what the oversight rule "疑似窥探个人信息" reads: staff look-ups of people with no case (R9.3,
    R9.4). Like cases, the person is kept as the blind index and the mask, never the clear ID."""

    class Purpose(models.TextChoices):
        IDENTIFY = "identify", _("受理时核验申请人身份")

    outlet = models.ForeignKey(
        "institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey("institutions.Agency", on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("institutions.Bank", on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("受理业务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lookups",
    )
    purpose = models.CharField(
        _("查询目的"), max_length=12, choices=Purpose.choices, default=Purpose.IDENTIFY
    )
    at = models.DateTimeField(_("查询时间"), auto_now_add=True)
    person_index = models.CharField(max_length=64)
    person_masked = models.CharField(_("证件号码（脱敏）"), max_length=18)

    SCOPE = {**OUTLET_SCOPE, "self": ("staff_id", "user_id")}

    class Meta:
        verbose_name = _("经办人员查询记录")
        verbose_name_plural = _("经办人员查询记录")
        ordering = ["-at", "-id"]
        indexes = [
            # The nightly rule scans a window by time; the pages list one outlet's or one person's look-ups.
            models.Index(fields=["at"], include=["outlet", "staff", "person_index"], name="lookup_at_idx"),
            models.Index(fields=["outlet", "staff", "at"], name="lookup_outlet_staff_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_masked} {self.at:%Y-%m-%d %H:%M}"


class CaseFile(models.Model):
    """A document-camera scan attached to a case; served only through a permission-checked view."""

    case = models.ForeignKey(Case, verbose_name=_("受理业务"), on_delete=models.PROTECT, related_name="files")
    material = models.CharField(_("对应材料"), max_length=100)
    file = models.FileField(_("扫描件"), upload_to=_scan_path, max_length=200)
    kind = models.CharField(_("文件类型"), max_length=8)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha = models.CharField(_("SM3摘要"), max_length=64)
    # A corrected scan after the district flagged the archive (有差异): the scan it corrects stays on file.
    replaces = models.ForeignKey("self", verbose_name=_("更正的扫描件"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="corrections")  # fmt: skip
    note = models.CharField(_("补正说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("扫描件")
        verbose_name_plural = _("扫描件")
        ordering = ["case", "uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.material}"


class CaseReview(models.Model):
    """The second certified staff member's decision on a high-risk case (R9.4). Returns are kept."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("复核通过")
        RETURNED = "returned", _("退回修改")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("复核结论"), max_length=10, choices=Decision.choices)
    reason = models.CharField(_("复核意见"), max_length=300, blank=True)
    at = models.DateTimeField(_("复核时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("复核记录")
        verbose_name_plural = _("复核记录")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="returned") | ~Q(reason=""), name="case_return_has_reason"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.decision}"


class HandoverBatch(models.Model):
    """A batch of archive records an outlet hands over to its district (Annex 10)."""

    number = models.CharField(_("批次号"), max_length=30, unique=True)
    outlet = models.ForeignKey(
        "institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey("institutions.Agency", verbose_name=_("接收区"), on_delete=models.PROTECT,
                                 related_name="+")  # fmt: skip
    bank = models.ForeignKey("institutions.Bank", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("状态"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.DRAFT
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("编制人"), on_delete=models.PROTECT,
                                   null=True, related_name="+")  # fmt: skip
    created_at = models.DateTimeField(_("编制时间"), auto_now_add=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("移交人"), on_delete=models.PROTECT,
                                null=True, blank=True, related_name="+")  # fmt: skip
    sent_at = models.DateTimeField(_("移交时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("确认完成时间"), null=True, blank=True)
    due_date = models.DateField(_("最晚移交日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    SCOPE = OUTLET_SCOPE

    class Meta:
        verbose_name = _("档案移交批次")
        verbose_name_plural = _("档案移交批次")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["district", "status"], name="handover_district_status_idx"),
            # The list's newest-first page (read backwards) without sorting a year of batches.
            models.Index(fields=["created_at", "id"], name="handover_created_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def late(self) -> bool:
        if self.due_date is None:
            return False
        if self.sent_at is not None:
            return timezone.localdate(self.sent_at) > self.due_date
        return self.status == BatchStatus.DRAFT and timezone.localdate() > self.due_date


class ArchiveRecord(models.Model):
    """业务档案: each accepted case's materials and files, handed over to the district (R9.2, Annex 10)."""

    case = models.OneToOneField(
        Case, verbose_name=_("受理业务"), on_delete=models.PROTECT, related_name="archive"
    )
    # outlet, district and bank lead composite indexes (Meta.indexes): no single-column index of their own.
    outlet = models.ForeignKey(
        "institutions.Outlet",
        verbose_name=_("网点"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    district = models.ForeignKey("institutions.Agency", verbose_name=_("接收区"), on_delete=models.PROTECT,
                                 related_name="+", db_index=False)  # fmt: skip
    bank = models.ForeignKey("institutions.Bank", on_delete=models.PROTECT, related_name="+", db_index=False)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT,
                              related_name="+")  # fmt: skip
    materials = models.JSONField(_("材料清单"), default=list)
    file_count = models.PositiveSmallIntegerField(_("扫描件数"), default=0)
    status = models.CharField(
        _("状态"), max_length=12, choices=ArchiveStatus.choices, default=ArchiveStatus.PENDING
    )
    batch = models.ForeignKey(HandoverBatch, verbose_name=_("移交批次"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="records")  # fmt: skip
    due_date = models.DateField(_("最晚移交日期"))
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")  # fmt: skip
    discrepancy = models.CharField(_("差异说明"), max_length=300, blank=True)
    overdue_alerted_at = models.DateTimeField(_("逾期提醒时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)

    SCOPE = {**OUTLET_SCOPE, "self": ("staff_id", "user_id")}

    class Meta:
        verbose_name = _("业务档案")
        verbose_name_plural = _("业务档案")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["outlet", "status"], name="archive_outlet_status_idx"),
            models.Index(fields=["status", "due_date"], name="archive_status_due_idx"),
            # Newest-first pages of the archive list per scope.
            models.Index(fields=["created_at"], name="archive_created_idx"),
            models.Index(fields=["district", "created_at"], name="archive_district_created_idx"),
            models.Index(fields=["bank", "created_at"], name="archive_bank_created_idx"),
            models.Index(fields=["outlet", "created_at"], name="archive_outlet_created_idx"),
            # The list's default order (the next due first) without sorting every record in scope.
            models.Index(fields=["due_date", "-id"], name="archive_due_idx"),
            # A district's overdue hand-overs (its home page's to-do): the records still at the outlet are a
            # small part of millions, so a partial index counts them without visiting the received ones.
            models.Index(
                fields=["district", "due_date"],
                name="archive_open_district_due_idx",
                condition=Q(status__in=["pending", "batched"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending") | Q(batch__isnull=False), name="archive_batched_has_batch"
            ),
            models.CheckConstraint(
                condition=~Q(status="discrepancy") | ~Q(discrepancy=""), name="archive_discrepancy_has_note"
            ),
        ]

    def __str__(self) -> str:
        return self.case.receipt_no if self.case_id else str(self.pk)

    @property
    def overdue(self) -> bool:
        return (
            self.status in (ArchiveStatus.PENDING, ArchiveStatus.BATCHED)
            and timezone.localdate() > self.due_date
        )


class CustodyEvent(models.Model):
    """One link in an archive record's chain of custody."""

    class Kind(models.TextChoices):
        CREATED = "created", _("建档")
        BATCHED = "batched", _("编入移交批次")
        UNBATCHED = "unbatched", _("移出移交批次")
        SENT = "sent", _("移交区经办机构")
        RECEIVED = "received", _("区经办机构确认接收")
        DISCREPANCY = "discrepancy", _("区经办机构标记差异")
        CORRECTED = "corrected", _("网点补正扫描件")
        OVERDUE = "overdue", _("逾期未移交提醒")

    record = models.ForeignKey(ArchiveRecord, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("环节"), max_length=12, choices=Kind.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                           on_delete=models.PROTECT, related_name="+")  # fmt: skip
    batch = models.ForeignKey(
        HandoverBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("保管记录")
        verbose_name_plural = _("保管记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.record_id} {self.kind}"


class GuidedSession(models.Model):
    """网厅自助引导: the guide at the online self-service counter helps a citizen (R2.2)."""

    class Outcome(models.TextChoices):
        COMPLETED = "completed", _("已办结")
        PARTIAL = "partial", _("部分完成，需补充材料")
        REFERRED = "referred", _("转人工窗口办理")
        ABANDONED = "abandoned", _("未办理")

    outlet = models.ForeignKey(
        "institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey("institutions.Agency", on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("institutions.Bank", on_delete=models.PROTECT, related_name="+")
    guide = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("引导员"), on_delete=models.PROTECT,
                              related_name="+")  # fmt: skip
    item = models.ForeignKey("catalogue.ServiceItem", verbose_name=_("网厅服务事项"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")  # fmt: skip
    service_name = models.CharField(_("网厅服务"), max_length=60)
    status = models.CharField(
        _("状态"), max_length=12, choices=GuidedStatus.choices, default=GuidedStatus.IN_PROGRESS
    )
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("时长（秒）"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    SCOPE = {**OUTLET_SCOPE, "self": ("guide_id", "user_id")}

    class Meta:
        verbose_name = _("网厅自助引导")
        verbose_name_plural = _("网厅自助引导")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="finished") | (Q(ended_at__isnull=False) & ~Q(outcome="")),
                name="guided_finished_has_end_and_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_name} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration_minutes(self) -> float | None:
        return round(self.duration_seconds / 60, 1) if self.duration_seconds is not None else None


def outlet_fields(outlet: Any) -> dict[str, Any]:
    """The denormalised scope columns for a row of `outlet`."""
    return {"outlet": outlet, "district_id": outlet.district_id, "bank_id": outlet.bank_id}
