from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app message to one user: an assignment, a deadline, a decision."""

    class Kind(models.TextChoices):
        INFO = "info", _("通知")
        TASK = "task", _("待办")
        DEADLINE = "deadline", _("期限提醒")
        ALERT = "alert", _("预警")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.INFO)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    # A to-do (kind TASK) is done when the step it asks for has been taken, by whoever took it: the service
    # that takes the step closes every open to-do pointing at the page where it is taken.
    done_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread_idx"),
            models.Index(
                fields=["url"],
                condition=models.Q(kind="task", done_at__isnull=True),
                name="notification_open_todo_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open_todo(self) -> bool:
        return self.kind == self.Kind.TASK and self.done_at is None
