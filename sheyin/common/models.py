from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


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
