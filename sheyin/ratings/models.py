"""好差评 (R9.5): one rating per service given (一次一评), bad-review handling and the settings that drive it.

A rating references the service generically: a window case when there is one, else just the channel and
the outlet (a terminal print, an online self-service session). Outlet, district and bank are copied on each
row so every scope filter and every statistic is a plain column comparison. Contact details are kept only
for a real-name rating; the phone is encrypted and only its mask is ever shown. Numbers a citizen types
into the comment are masked on storage (the original is kept encrypted for the handler).
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sheyin.accounts.scope import outlet_scope
from sheyin.catalogue.choices import Channel
from sheyin.common.crypto import EncryptedField, register_encrypted

from . import codes
from .workflow import FINISHED, BadReviewStatus

OUTLET_SCOPE = outlet_scope()


class Level(models.IntegerChoices):
    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    BASIC = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


BAD_LEVEL_MAX = 2  # levels 1–2 are bad reviews
SATISFIED_LEVEL_MIN = 3  # 满意率 counts 非常满意 + 满意 + 基本满意


class RatingSettings(models.Model):
    """The municipal center's figures for 好差评 (design rule 8). A single row (pk=1)."""

    deadline_days = models.PositiveSmallIntegerField(
        _("差评整改时限（天）"), default=7, help_text=_("北京市为7个自然日；其他地区常用5或15个工作日。")
    )
    deadline_working_days = models.BooleanField(
        _("按工作日计算"), default=False, help_text=_("不勾选则按自然日计算。")
    )
    invitation_delay_days = models.PositiveSmallIntegerField(
        _("未评价再次邀请间隔（天）"), default=3, help_text=_("办结后仍未评价的，间隔该天数后再邀请一次。")
    )
    rate_limit_per_minute = models.PositiveSmallIntegerField(_("每个地址每分钟最多提交次数"), default=10)
    burst_window_minutes = models.PositiveSmallIntegerField(_("集中评价检测时间窗（分钟）"), default=10)
    burst_threshold = models.PositiveSmallIntegerField(_("集中评价检测阈值（条）"), default=5)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("好差评设置")
        verbose_name_plural = _("好差评设置")
        constraints = [
            models.CheckConstraint(condition=Q(deadline_days__gte=1), name="ratings_deadline_positive"),
            models.CheckConstraint(
                condition=Q(rate_limit_per_minute__gte=1), name="ratings_rate_limit_positive"
            ),
            models.CheckConstraint(condition=Q(burst_threshold__gte=2), name="ratings_burst_threshold_min"),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def load(cls) -> RatingSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class RatingToken(models.Model):
    """A single-use right to rate one service given (评价码): printed under the QR code of a window receipt,
    of a terminal's printout and of the slip an online self-service session ends with. New codes are short
    and typed by hand (see services.new_token); older, longer tokens still resolve."""

    token = models.CharField(_("评价码"), max_length=43, unique=True)
    case = models.OneToOneField(
        "casework.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="rating_token_row"
    )
    guided = models.OneToOneField(
        "casework.GuidedSession", null=True, blank=True, on_delete=models.PROTECT,
        related_name="rating_token_row",
    )  # fmt: skip
    outlet = models.ForeignKey("institutions.Outlet", on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey("institutions.Agency", on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("institutions.Bank", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("服务渠道"), max_length=1, choices=Channel.choices)
    issued_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    invited_again_at = models.DateTimeField(_("再次邀请时间"), null=True, blank=True)

    # Window staff issue tokens for their outlet's services (a terminal slip, an online session).
    SCOPE = {**OUTLET_SCOPE, "self": ("outlet_id", "outlet_id")}

    class Meta:
        verbose_name = _("评价码")
        verbose_name_plural = _("评价码")
        indexes = [models.Index(fields=["used_at", "issued_at"], name="ratingtoken_used_issued_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=True) | Q(guided__isnull=True), name="ratingtoken_one_service"
            )
        ]

    def __str__(self) -> str:
        return f"{self.outlet_id} {self.channel} {self.issued_at:%Y-%m-%d}"

    @property
    def code_display(self) -> str:
        return codes.display(self.token)


class Rating(models.Model):
    """一次一评: one rating of one service given (R9.5)."""

    case = models.OneToOneField(
        "casework.Case", verbose_name=_("受理业务"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="rating",
    )  # fmt: skip
    token = models.OneToOneField(RatingToken, on_delete=models.PROTECT, related_name="rating")
    channel = models.CharField(_("服务渠道"), max_length=1, choices=Channel.choices)
    outlet = models.ForeignKey(
        "institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "institutions.Agency", verbose_name=_("所在区"), on_delete=models.PROTECT, related_name="+"
    )
    bank = models.ForeignKey(
        "institutions.Bank", verbose_name=_("银行"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    item_name = models.CharField(_("服务事项"), max_length=60, blank=True)
    # The one overall question (整体满意度); the three indicators below are asked after it.
    level = models.PositiveSmallIntegerField(_("评价等级"), choices=Level.choices)
    efficiency = models.PositiveSmallIntegerField(_("服务效率"), choices=Level.choices)
    skill = models.PositiveSmallIntegerField(_("服务水平"), choices=Level.choices)
    attitude = models.PositiveSmallIntegerField(_("服务态度"), choices=Level.choices)
    # What the citizen typed, with any ID or phone number in it masked; the original is kept only
    # encrypted, and only when masking changed it (handlers reveal it through the reveal service).
    comment = models.CharField(_("评价内容"), max_length=500, blank=True)
    comment_original_enc = models.TextField(blank=True)
    real_name = models.BooleanField(_("实名评价"), default=False)
    contact_name = models.CharField(_("联系人"), max_length=30, blank=True)
    contact_phone = models.TextField(blank=True)  # encrypted (SM4-GCM)
    contact_phone_masked = models.CharField(_("联系电话"), max_length=11, blank=True)
    # Set when the district upholds the outlet's appeal: a false review counts in no statistic.
    excluded = models.BooleanField(_("申诉成立不计入统计"), default=False)
    client_hash = models.CharField(max_length=64, blank=True, db_index=True)  # keyed hash of the address
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now)

    SCOPE = {**OUTLET_SCOPE, "self": ("staff_id", "user_id")}

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["outlet", "created_at"], name="rating_outlet_created_idx"),
            models.Index(fields=["district", "created_at"], name="rating_district_created_idx"),
            models.Index(fields=["bank", "created_at"], name="rating_bank_created_idx"),
            # The city-wide list (newest first) and the statistics' scans of a period.
            models.Index(fields=["created_at"], name="rating_created_idx"),
            # The satisfaction trend of the whole city (six months, half a million ratings at Beijing's
            # size): counted from the index alone, the set-aside ratings left out of it.
            models.Index(
                fields=["created_at"],
                include=["level"],
                condition=Q(excluded=False),
                name="rating_counted_idx",
            ),
        ]
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{f}__gte": 1, f"{f}__lte": 5}), name=f"rating_{f}_1_5"
                )
                for f in ("level", "efficiency", "skill", "attitude")
            ],
            models.CheckConstraint(
                condition=Q(real_name=True) | Q(contact_name="", contact_phone="", contact_phone_masked=""),
                name="rating_contact_only_if_real_name",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outlet_id} {self.level} {self.created_at:%Y-%m-%d}"

    @property
    def is_bad(self) -> bool:
        return self.level <= BAD_LEVEL_MAX

    @property
    def contact_name_masked(self) -> str:
        from sheyin.common.masking import mask_name

        return mask_name(self.contact_name)


def _evidence_path(instance: BadReviewCase, filename: str) -> str:
    ext = PurePosixPath(filename).suffix.lower()[:5]
    return f"ratings/evidence/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{ext}"


class BadReviewCase(models.Model):
    """差评整改: opened the moment a level 1–2 rating arrives (R9.5)."""

    class CallbackResult(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASIC = "basic", _("基本满意")
        DISSATISFIED = "dissatisfied", _("不满意")
        UNREACHABLE = "unreachable", _("无法联系")

    rating = models.OneToOneField(
        Rating, verbose_name=_("评价"), on_delete=models.PROTECT, related_name="bad_review"
    )
    outlet = models.ForeignKey(
        "institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey("institutions.Agency", verbose_name=_("所在区"), on_delete=models.PROTECT,
                                 related_name="+")  # fmt: skip
    bank = models.ForeignKey(
        "institutions.Bank", verbose_name=_("银行"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=BadReviewStatus.choices, default=BadReviewStatus.OPEN
    )
    opened_at = models.DateTimeField(_("产生时间"), default=timezone.now)
    due_date = models.DateField(_("整改期限"))
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    verification = models.CharField(_("核实情况"), max_length=500, blank=True)
    rectified_at = models.DateTimeField(_("整改时间"), null=True, blank=True)
    rectification = models.CharField(_("整改措施"), max_length=1000, blank=True)
    rectified_on_time = models.BooleanField(_("按期整改"), default=False)
    evidence = models.FileField(_("整改佐证"), upload_to=_evidence_path, max_length=200, blank=True)
    evidence_kind = models.CharField(max_length=8, blank=True)
    called_back_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    callback_result = models.CharField(
        _("回访结果"), max_length=14, choices=CallbackResult.choices, blank=True
    )
    callback_note = models.CharField(_("回访记录"), max_length=500, blank=True)
    appeal_reason = models.CharField(_("申诉理由"), max_length=500, blank=True)
    appealed_at = models.DateTimeField(_("申诉时间"), null=True, blank=True)
    appeal_decision = models.CharField(_("复核意见"), max_length=500, blank=True)
    appeal_decided_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    outcome = models.CharField(_("处理结果（公开）"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)

    SCOPE = OUTLET_SCOPE

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["status", "due_date"], name="badreview_status_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | (Q(closed_at__isnull=False) & ~Q(outcome="")),
                name="badreview_closed_has_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(status="appealed") | ~Q(appeal_reason=""), name="badreview_appeal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outlet_id} {self.status} {self.opened_at:%Y-%m-%d}"

    def overdue_on(self, day: dt.date) -> bool:
        return self.status not in FINISHED and day > self.due_date

    @property
    def overdue(self) -> bool:
        """Late once the due date has passed and the review is neither closed nor set aside on appeal."""
        return self.overdue_on(timezone.localdate())


class BadReviewStep(models.Model):
    """Every step taken on a bad review, rejections included (kept, never deleted)."""

    case = models.ForeignKey(BadReviewCase, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("环节"), max_length=16)
    status = models.CharField(_("处理后状态"), max_length=16, choices=BadReviewStatus.choices)
    note = models.CharField(_("说明"), max_length=1000, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("处理记录")
        verbose_name_plural = _("处理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


# Encrypted columns: checked against the keys at start and re-encrypted by `rotate_keys` (common.crypto).
register_encrypted(
    EncryptedField("ratings.Rating", "contact_phone"),
    EncryptedField("ratings.Rating", "comment_original_enc"),
)
