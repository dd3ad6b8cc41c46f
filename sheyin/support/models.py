"""Problem tickets, the district's named contacts, remote video guidance and the FAQ (R9.2).

Tickets follow the OUTLET that raised them: the outlet's district and bank are copied onto each row so
every scope filter is a plain column comparison.
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

from .workflow import TicketStatus

OUTLET_SCOPE = outlet_scope(own=("outlet_id", "outlet_id"))


class Category(models.TextChoices):
    BUSINESS = "business", _("业务办理")
    SYSTEM = "system", _("系统与网络")
    EQUIPMENT = "equipment", _("设备故障")
    CARD = "card", _("社保卡")
    POLICY = "policy", _("政策咨询")
    OTHER = "other", _("其他")


class SupportSettings(models.Model):
    """Deadlines the municipal center may edit (domain.md, problem handling). One row."""

    reply_working_days = models.PositiveSmallIntegerField(_("答复时限（工作日）"), default=1)
    close_working_days = models.PositiveSmallIntegerField(_("办结时限（工作日）"), default=5)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("问题反馈设置")
        verbose_name_plural = _("问题反馈设置")

    def __str__(self) -> str:
        return str(_("问题反馈设置"))

    @classmethod
    def current(cls) -> SupportSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class DistrictContact(models.Model):
    """The district's named contact for one category of problems (R9.2)."""

    district = models.ForeignKey(
        "institutions.Agency", verbose_name=_("区经办机构"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("问题类别"), max_length=12, choices=Category.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("联系人"), on_delete=models.PROTECT, related_name="+"
    )
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)

    SCOPE = {
        "district": ("district_id", "agency_id"),
        "bank": "*",
        "outlet": "*",
        "self": "*",
    }

    class Meta:
        verbose_name = _("区级联系人")
        verbose_name_plural = _("区级联系人")
        ordering = ["district", "category"]
        constraints = [
            models.UniqueConstraint(fields=["district", "category"], name="support_contact_unique_category")
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.get_category_display()}"


class Ticket(models.Model):
    """问题反馈: an outlet's problem, answered by the district's named contact (R9.2)."""

    class Escalation(models.IntegerChoices):
        NONE = 0, _("未升级")
        DISTRICT_HEAD = 1, _("已升级至区经办机构负责人")
        MUNICIPAL = 2, _("已升级至市级经办机构")

    number = models.CharField(_("工单号"), max_length=30, unique=True)
    outlet = models.ForeignKey(
        "institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "institutions.Agency", verbose_name=_("所在区"), on_delete=models.PROTECT, related_name="+"
    )
    bank = models.ForeignKey("institutions.Bank", verbose_name=_("银行"), on_delete=models.PROTECT,
                             related_name="+")  # fmt: skip
    category = models.CharField(_("问题类别"), max_length=12, choices=Category.choices)
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("问题描述"))
    status = models.CharField(
        _("状态"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    # A bank's head-office system (API client) raises tickets too; then there is no user, only its name.
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提出人"), on_delete=models.PROTECT,
                                  related_name="+", null=True, blank=True)  # fmt: skip
    raised_by_name = models.CharField(_("提出方"), max_length=150, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("区级联系人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")  # fmt: skip
    raised_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    reply_due = models.DateField(_("答复期限"))
    close_due = models.DateField(_("办结期限"))
    first_reply_at = models.DateTimeField(_("首次答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    resolution = models.TextField(_("处理结果"), blank=True)
    escalation = models.PositiveSmallIntegerField(_("升级"), choices=Escalation.choices, default=0)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)

    # Window staff (仅本人) see the tickets they raised; the outlet manager sees the outlet's.
    SCOPE = outlet_scope(own=("raised_by_id", "user_id"))

    class Meta:
        verbose_name = _("问题工单")
        verbose_name_plural = _("问题工单")
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["district", "status"], name="ticket_district_status_idx"),
            models.Index(fields=["status", "reply_due"], name="ticket_status_reply_idx"),
            models.Index(fields=["outlet", "status"], name="ticket_outlet_status_idx"),
            models.Index(fields=["raised_at"], name="ticket_raised_idx"),
            models.Index(fields=["district", "raised_at"], name="ticket_district_raised_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | (Q(closed_at__isnull=False) & ~Q(resolution="")),
                name="ticket_closed_has_resolution",
            ),
            models.CheckConstraint(
                condition=Q(close_due__gte=models.F("reply_due")), name="ticket_close_due_after_reply_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def reply_overdue(self) -> bool:
        return (
            self.first_reply_at is None
            and self.status != TicketStatus.CLOSED
            and (timezone.localdate() > self.reply_due)
        )

    @property
    def close_overdue(self) -> bool:
        return self.status != TicketStatus.CLOSED and timezone.localdate() > self.close_due


class TicketMessage(models.Model):
    """One message on a ticket: a question, an answer, or a note of the system (an escalation)."""

    class Kind(models.TextChoices):
        OUTLET = "outlet", _("网点")
        AGENCY = "agency", _("经办机构")
        SYSTEM = "system", _("系统")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("来源"), max_length=8, choices=Kind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发言人"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")  # fmt: skip
    body = models.TextField(_("内容"))
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("工单留言")
        verbose_name_plural = _("工单留言")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


def _attachment_path(instance: TicketAttachment, filename: str) -> str:
    ext = PurePosixPath(filename).suffix.lower()[:5]
    return f"support/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{ext}"


class TicketAttachment(models.Model):
    """A screenshot or document attached to a ticket; served only through a permission-checked view."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("文件名"), max_length=100)
    file = models.FileField(_("附件"), upload_to=_attachment_path, max_length=200)
    kind = models.CharField(_("文件类型"), max_length=8)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("工单附件")
        verbose_name_plural = _("工单附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class GuidanceSession(models.Model):
    """远程视频指导: a remote guidance session the district gave an outlet (R9.2)."""

    class Outcome(models.TextChoices):
        SOLVED = "solved", _("问题已解决")
        PARTLY = "partly", _("部分解决，需跟进")
        ON_SITE = "on_site", _("需现场指导")

    outlet = models.ForeignKey(
        "institutions.Outlet", verbose_name=_("网点"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey("institutions.Agency", on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("institutions.Bank", on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(Ticket, verbose_name=_("关联工单"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="sessions")  # fmt: skip
    held_at = models.DateTimeField(_("指导时间"))
    duration_minutes = models.PositiveSmallIntegerField(_("时长（分钟）"), default=30)
    topic = models.CharField(_("指导主题"), max_length=100)
    outcome = models.CharField(_("指导结果"), max_length=10, choices=Outcome.choices)
    note = models.TextField(_("记录"), blank=True)
    host = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("指导人"), on_delete=models.PROTECT,
                             related_name="+")  # fmt: skip
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    SCOPE = OUTLET_SCOPE

    class Meta:
        verbose_name = _("远程指导")
        verbose_name_plural = _("远程指导")
        ordering = ["-held_at", "-id"]

    def __str__(self) -> str:
        return f"{self.topic} {self.held_at:%Y-%m-%d}"


class FaqEntry(models.Model):
    """常见问题: a resolved ticket turned into an answer every outlet can search (R9.2)."""

    category = models.CharField(_("问题类别"), max_length=12, choices=Category.choices)
    question = models.CharField(_("问题"), max_length=200)
    answer = models.TextField(_("解答"))
    source = models.ForeignKey(Ticket, verbose_name=_("来源工单"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="faq_entries")  # fmt: skip
    published = models.BooleanField(_("已发布"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    # The FAQ is shared knowledge: every business role reads the published entries.
    SCOPE = {"district": "*", "bank": "*", "outlet": "*", "self": "*"}

    class Meta:
        verbose_name = _("常见问题")
        verbose_name_plural = _("常见问题")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source"], condition=Q(source__isnull=False), name="support_faq_one_per_ticket"
            ),
        ]

    def __str__(self) -> str:
        return self.question
