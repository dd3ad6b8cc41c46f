"""The audit trail: append-only events, hash-chained by a sealing step (see docs/decisions/0002)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")
    DENIED = "denied", _("拒绝")


class AuditEvent(models.Model):
    """One thing that happened. Written in the transaction of the change; never updated after sealing.

    Writers only INSERT (no shared row to lock). The sealer later gives each row its place in the
    chain (`seq`) and `hash = SM3(prev_hash + canonical row)`; `audit_verify` recomputes the chain.
    """

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    role = models.CharField(_("角色"), max_length=200, blank=True)
    organisation = models.CharField(_("机构"), max_length=300, blank=True)
    action = models.CharField(_("操作"), max_length=80, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=80, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=300, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    reason = models.TextField(_("事由"), blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    client_address = models.CharField(_("客户端地址"), max_length=45, blank=True)
    # Filled by the sealer only.
    seq = models.BigIntegerField(_("链序号"), null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # The nightly "repeated edits" rule reads one object type's events in a time window.
            models.Index(
                fields=["object_type", "at"], include=["action", "object_id"], name="audit_type_at_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action}"


class ChainHead(models.Model):
    """The end of the sealed chain. Only the sealer locks this row; writers never touch it."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"


class ChainCheckpoint(models.Model):
    """A verified point of the chain: `audit_verify` starts from the last valid one (issue 19.5).

    `signature` is HMAC-SM3 over (seq, hash, made_at) with a key derived from the index key
    (sheyin.common.keys), so a checkpoint moved forward over a rewritten stretch is detected. Rows are
    only inserted; a checkpoint signed with a retired key is replaced by `audit_verify --full`.
    """

    seq = models.BigIntegerField(unique=True)
    hash = models.CharField(max_length=64)
    made_at = models.DateTimeField(default=timezone.now)
    signature = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计链校验点")
        ordering = ["-seq"]
        constraints = [
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_checkpoint_seq_positive")
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"
