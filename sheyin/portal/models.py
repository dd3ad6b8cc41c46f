"""Policy and help materials the municipal center publishes on the portal (R5.3, R10.3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sheyin.common.models import TimeStampedModel

from .workflow import Status


class PolicyMaterial(TimeStampedModel):
    """A policy explanation: an article, a PDF leaflet or a short video, linked to catalogue items.

    The body is HTML sanitised with nh3 by the service before it is stored; the file (if any) is
    type-checked by its content and served only through `portal:material_file`.
    """

    class Kind(models.TextChoices):
        ARTICLE = "article", _("政策解读")
        LEAFLET = "leaflet", _("宣传折页")
        VIDEO = "video", _("短视频")

    title = models.CharField(_("标题"), max_length=200)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    body = models.TextField(_("正文"), blank=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.ARTICLE)
    file = models.FileField(_("附件"), upload_to="portal/materials/%Y/%m/", blank=True)
    file_type = models.CharField(_("附件类型"), max_length=10, blank=True)  # pdf / mp4 / webm
    file_size = models.PositiveBigIntegerField(_("附件大小（字节）"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # Managed by the municipal center only: the "all" level sees every row; no district, bank or outlet
    # level is named, so those roles see none (published rows reach the public through
    # selectors.published_materials(), not through a user's scope).
    SCOPE: dict[str, object] = {}

    class Meta:
        verbose_name = _("政策资料")
        verbose_name_plural = _("政策资料")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="material_published_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(kind="video", status="published") | ~Q(file=""),
                name="material_published_video_has_file",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def item_codes(self) -> list[str]:
        return [link.item_code for link in self.item_links.all()]


class PolicyMaterialItem(models.Model):
    """Links a material to a catalogue item by its code (codes outlive catalogue versions)."""

    material = models.ForeignKey(
        PolicyMaterial, verbose_name=_("政策资料"), on_delete=models.CASCADE, related_name="item_links"
    )
    item_code = models.CharField(_("服务事项编码"), max_length=30, db_index=True)

    class Meta:
        verbose_name = _("关联服务事项")
        verbose_name_plural = _("关联服务事项")
        ordering = ["item_code"]
        constraints = [
            models.UniqueConstraint(fields=["material", "item_code"], name="material_item_unique"),
        ]

    def __str__(self) -> str:
        return self.item_code
