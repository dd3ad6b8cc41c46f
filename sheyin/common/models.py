from __future__ import annotations

from django.conf import settings
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


class ExportJob(models.Model):
    """A list export too large to answer in one request (more than `SHEYIN_EXPORT_JOB_ROWS` rows): the
    list's own view runs again on the long queue as the user who asked, with the same query, so the rows,
    the scope and the permission are exactly the list's (`common.exports`). Only its owner downloads it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导出中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        EXPIRED = "expired", _("已过期")  # the file was deleted after SHEYIN_EXPORT_KEEP_DAYS days

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="export_jobs",
        verbose_name=_("申请人"),
    )
    title = models.CharField(_("名称"), max_length=100)
    path = models.CharField(_("列表地址"), max_length=300)
    query = models.TextField(_("查询条件"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    done = models.PositiveIntegerField(_("已导出行数"), default=0)
    file = models.FileField(_("文件"), upload_to="exports/%Y/%m/", blank=True)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    error = models.CharField(_("失败原因"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        indexes = [models.Index(fields=["user", "-created_at"], name="export_job_user_recent")]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        if self.status in (self.Status.DONE, self.Status.EXPIRED):
            return 100
        return min(99, int(self.done * 100 / self.total)) if self.total else 0
