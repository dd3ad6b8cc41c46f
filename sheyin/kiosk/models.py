"""Self-service terminals (R2.1): devices, the log of every query, printouts and their verification."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sheyin.accounts.scope import outlet_scope
from sheyin.common.verification import group_code

from .workflow import TerminalStatus

OUTLET_SCOPE = outlet_scope()


class Terminal(models.Model):
    """A registered self-service terminal of an outlet. Its credential is shown once at registration
    and stored only as an SM3 hash; the terminal presents it in a cookie set on activation."""

    outlet = models.ForeignKey(
        "institutions.Outlet",
        verbose_name=_("网点"),
        on_delete=models.PROTECT,
        related_name="kiosk_terminals",
    )
    # The outlet's district and bank, copied so that every scope filter is a plain column comparison.
    district = models.ForeignKey("institutions.Agency", on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("institutions.Bank", on_delete=models.PROTECT, related_name="+")
    serial = models.CharField(_("设备序列号"), max_length=40, unique=True)
    name = models.CharField(_("终端名称"), max_length=60)
    credential_hash = models.CharField(max_length=64)
    status = models.CharField(
        _("状态"), max_length=10, choices=TerminalStatus.choices, default=TerminalStatus.ACTIVE
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    credential_issued_at = models.DateTimeField(_("凭证签发时间"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("最近在线"), null=True, blank=True)

    SCOPE = OUTLET_SCOPE

    class Meta:
        verbose_name = _("自助终端")
        verbose_name_plural = _("自助终端")
        ordering = ["outlet__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["outlet", "name"], name="kiosk_terminal_name_per_outlet")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.serial}）"


class TerminalQuery(models.Model):
    """Every query made at a terminal (R2.1, R9.3): which terminal, outlet, when, whose record and what.
    The person is kept as the core's reference, the blind index and the masked ID: never the clear ID.
    The oversight rule "rights-record queries with no matching case" reads this log."""

    class Action(models.TextChoices):
        IDENTIFY = "identify", _("身份核验")
        IDENTIFY_FAILED = "identify_failed", _("身份核验失败")
        CODE_SENT = "code_sent", _("发送验证码")
        VIEW_RECORD = "view_record", _("查询权益记录")
        PRINT_RECORD = "print_record", _("打印权益记录")

    terminal = models.ForeignKey(
        Terminal, verbose_name=_("终端"), on_delete=models.PROTECT, related_name="queries"
    )
    outlet = models.ForeignKey(
        "institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey("institutions.Agency", on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("institutions.Bank", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    person_ref = models.CharField(_("参保人员"), max_length=40, blank=True)
    person_index = models.CharField(max_length=64, blank=True, db_index=True)
    person_masked = models.CharField(_("证件号码（脱敏）"), max_length=18, blank=True)
    printed = models.ForeignKey(
        "PrintedRecord",
        verbose_name=_("打印件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    SCOPE = OUTLET_SCOPE

    class Meta:
        verbose_name = _("终端查询记录")
        verbose_name_plural = _("终端查询记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["outlet", "at"], name="kiosk_query_outlet_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class PrintedRecord(models.Model):
    """A rights-record printout: its 核验码, content hash (SM3 of the printed content), the SM3 of the PDF
    file and the printed content itself (encrypted, compressed), which the public verification page shows
    so that whoever holds the paper can compare its figures; the 评价码 printed with it (R9.5)."""

    class Channel(models.TextChoices):
        TERMINAL = "T", _("自助终端")
        COUNTER = "W", _("人工窗口")

    code = models.CharField(_("核验码"), max_length=16, unique=True)
    content_hash = models.CharField(_("内容摘要"), max_length=64)
    pdf_hash = models.CharField(_("文件摘要"), max_length=64)
    # RightsRecord.canonical_bytes, zlib-compressed and SM4-GCM encrypted; empty for earlier printouts.
    content = models.BinaryField(_("出具内容"), null=True, blank=True, editable=False)
    person_index = models.CharField(max_length=64, db_index=True)
    masked_name = models.CharField(_("姓名（脱敏）"), max_length=30)
    id_masked = models.CharField(_("证件号码（脱敏）"), max_length=18)
    period_start = models.DateField(_("记录起始月"), null=True, blank=True)
    period_end = models.DateField(_("记录截止月"), null=True, blank=True)
    months = models.PositiveIntegerField(_("记录月数"), default=0)
    printed_at = models.DateTimeField(_("打印时间"))
    channel = models.CharField(_("渠道"), max_length=1, choices=Channel.choices, default=Channel.TERMINAL)
    terminal = models.ForeignKey(
        Terminal, verbose_name=_("终端"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outlet = models.ForeignKey(
        "institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey("institutions.Agency", on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("institutions.Bank", on_delete=models.PROTECT, related_name="+")
    rating_token = models.OneToOneField(
        "ratings.RatingToken", verbose_name=_("评价码"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    SCOPE = OUTLET_SCOPE

    class Meta:
        verbose_name = _("权益记录打印件")
        verbose_name_plural = _("权益记录打印件")
        ordering = ["-printed_at"]

    def __str__(self) -> str:
        return self.code

    @property
    def code_display(self) -> str:
        return group_code(self.code)


class OneTimeCode(models.Model):
    """A one-time code sent to the person's phone to identify at a terminal (instead of the card)."""

    terminal = models.ForeignKey(Terminal, on_delete=models.CASCADE, related_name="+")
    person_ref = models.CharField(max_length=40)
    person_index = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("一次性验证码")
        verbose_name_plural = _("一次性验证码")
        constraints = [
            models.CheckConstraint(condition=Q(attempts__lte=10), name="kiosk_otp_attempts_bounded")
        ]

    def __str__(self) -> str:
        return f"otp {self.pk}"
