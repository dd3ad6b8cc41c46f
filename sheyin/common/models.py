from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class KeyCheck(models.Model):
    """One row (pk=1): check values made with the data and index keys the stored data uses, so that a
    process started with other keys refuses to start (`common.keys`). A key rotation in progress keeps
    the new keys' check values and how far each encrypted column has got (`rotate_keys`, resumable)."""

    data_check = models.TextField()
    index_check = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    pending_data_check = models.TextField(blank=True)
    pending_index_check = models.CharField(max_length=64, blank=True)
    rotation_started_at = models.DateTimeField(null=True, blank=True)
    rotation_progress = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("密钥校验值")
        verbose_name_plural = _("密钥校验值")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @property
    def rotating(self) -> bool:
        return self.rotation_started_at is not None


class NumberSeries(models.Model):
    """The last number handed out in one series of business numbers (an application, agreement, plaque,
    ticket … prefix). `common.numbering.allocate` locks the row, so two requests at the same moment
    never receive the same number, and a rolled-back transaction gives its number back."""

    key = models.CharField(_("编号序列"), max_length=120, unique=True)
    last = models.PositiveBigIntegerField(_("最后编号"), default=0)

    class Meta:
        verbose_name = _("编号序列")
        verbose_name_plural = _("编号序列")

    def __str__(self) -> str:
        return f"{self.key}{self.last}"
