"""Credentials and request bookkeeping of the integration API (总对总, R2.0).

- `ApiClient`: one bank head-office system; it signs every request with its secret (see signing.py).
- `PersonalToken`: a staff or agency user calling the API as themselves (Bearer token).
- `Nonce`: nonces seen inside the signing window, so a captured request cannot be replayed.
- `IdempotencyRecord`: the first response to a write, returned again for a retry with the same key.
- `RefusalCount`: refused calls (failed authentication, over the rate limit) counted per source and
  minute; each closed minute becomes one audit event, so a flood cannot write one chained row per request.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sheyin.common.crypto import EncryptedField, register_encrypted


class ApiClient(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("启用")
        REVOKED = "revoked", _("已吊销")

    bank = models.ForeignKey(
        "institutions.Bank", verbose_name=_("银行"), on_delete=models.PROTECT, related_name="api_clients"
    )
    name = models.CharField(_("客户端名称"), max_length=100, help_text=_("如“工商银行总行社保前置系统”"))
    key_id = models.CharField(_("密钥标识"), max_length=40, unique=True)
    # The server needs the clear secret to recompute the HMAC, so it is encrypted (SM4-GCM), not hashed.
    secret_enc = models.TextField(_("密钥（加密存储）"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    allowed_addresses = models.TextField(
        _("允许的来源地址"),
        blank=True,
        help_text=_("每行一个 IP 地址或网段（CIDR），如 10.1.0.0/16；留空表示不限制"),
    )
    rate_limit_per_minute = models.PositiveIntegerField(_("每分钟请求上限"), default=600)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rotated_at = models.DateTimeField(_("轮换时间"), null=True, blank=True)
    rotated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("轮换人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("吊销人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoke_reason = models.CharField(_("吊销原因"), max_length=200, blank=True)
    last_used_at = models.DateTimeField(_("最近调用时间"), null=True, blank=True)

    # Municipal users see every client; a bank sees its own (never the secret).
    SCOPE = {"bank": ("bank_id", "bank_id")}

    class Meta:
        verbose_name = _("接口客户端")
        verbose_name_plural = _("接口客户端")
        ordering = ["bank__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "name"], name="api_client_unique_name_per_bank"),
            models.CheckConstraint(
                condition=Q(rate_limit_per_minute__gte=1), name="api_client_rate_positive"
            ),
            models.CheckConstraint(
                condition=Q(status="active", revoked_at__isnull=True)
                | Q(status="revoked", revoked_at__isnull=False),
                name="api_client_revoked_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.key_id}）"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """The allow-list, parsed (the service validated it on save)."""
        nets = []
        for line in self.allowed_addresses.split():
            try:
                nets.append(ipaddress.ip_network(line.strip(), strict=False))
            except ValueError:
                continue
        return nets

    def address_allowed(self, address: str) -> bool:
        nets = self.networks()
        if not nets:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in nets)


class PersonalToken(models.Model):
    """A user's own API token. Only its SM3 hash is stored; the clear token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(_("令牌前缀"), max_length=16, unique=True)
    token_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("到期时间"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)

    # Personal to each user, whatever their level.
    SCOPE = {lv: ("user_id", "user_id") for lv in ("all", "district", "bank", "outlet", "self")}

    class Meta:
        verbose_name = _("个人访问令牌")
        verbose_name_plural = _("个人访问令牌")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="api_token_expiry"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"


class Nonce(models.Model):
    """A nonce seen from a client. Rows older than the signing window are purged by a periodic job."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "nonce"], name="api_nonce_once_per_client")]

    def __str__(self) -> str:
        return self.nonce


class IdempotencyRecord(models.Model):
    """The first answer to a write, keyed by (caller, Idempotency-Key). The body is encrypted at rest
    (it may carry personal data) and purged after `RETENTION`."""

    client = models.ForeignKey(ApiClient, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=100)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)  # 0 while the first request runs
    content_type = models.CharField(max_length=100, blank=True)
    response_enc = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "key"], condition=Q(client__isnull=False), name="api_idem_once_per_client"
            ),
            models.UniqueConstraint(
                fields=["user", "key"], condition=Q(user__isnull=False), name="api_idem_once_per_user"
            ),
            models.CheckConstraint(
                condition=Q(client__isnull=False, user__isnull=True)
                | Q(client__isnull=True, user__isnull=False),
                name="api_idem_one_principal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class RefusalCount(models.Model):
    """How many calls one source had refused with one problem code in one one-minute window.

    The source is the client address and the credential it presented (`key:<key id>`, `token:<prefix>`,
    `invalid` for a malformed one, empty for none). A periodic job turns every closed window into one
    audit event "api.refused" with the counts by code (services.refusals_audit)."""

    window_start = models.DateTimeField()
    address = models.CharField(max_length=45, blank=True)
    credential = models.CharField(max_length=64, blank=True)
    code = models.CharField(max_length=40)
    count = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField(default=timezone.now)
    last_at = models.DateTimeField(default=timezone.now)
    audited = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["window_start", "address", "credential", "code"], name="api_refusal_once_per_window"
            )
        ]
        indexes = [models.Index(fields=["audited", "window_start"], name="api_refusal_to_audit")]

    def __str__(self) -> str:
        return (
            f"{self.window_start:%Y-%m-%d %H:%M} {self.address} {self.credential} {self.code} ×{self.count}"
        )


# Encrypted columns: checked against the keys at start and re-encrypted by `rotate_keys` (common.crypto).
register_encrypted(
    EncryptedField("api.ApiClient", "secret_enc"),
    EncryptedField("api.IdempotencyRecord", "response_enc"),
)
