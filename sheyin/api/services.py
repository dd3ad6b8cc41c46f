"""Writes of the integration API's own records: bank clients (register, edit, rotate, revoke), personal
tokens (create, revoke), counted refusals and housekeeping (nonces, idempotency records, refusal counts).
Each audited; secrets never are."""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.permissions import NotAllowed, require
from sheyin.audit.context import client_address
from sheyin.audit.models import Outcome
from sheyin.audit.services import changes, record, snapshot
from sheyin.common.crypto import encrypt, sm3_hex
from sheyin.institutions.models import Bank

from . import idempotency, signing
from .models import ApiClient, Nonce, PersonalToken, RefusalCount

CLIENT_FIELDS = ["bank", "name", "key_id", "status", "allowed_addresses", "rate_limit_per_minute"]
MAX_RATE = 100_000
MAX_TOKEN_DAYS = 90
MAX_ACTIVE_TOKENS = 10
# A request is accepted up to WINDOW seconds either side of its timestamp, so a nonce must be
# remembered for twice the window before a replay of it would be refused by the timestamp alone.
NONCE_RETENTION = dt.timedelta(seconds=2 * signing.WINDOW_SECONDS)
# Refusal counts stay a week after their audit event is written (the event is the record).
REFUSAL_RETENTION = dt.timedelta(days=7)


def _new_secret() -> str:
    return secrets.token_hex(32)


def _new_key_id() -> str:
    while True:
        key_id = "sy" + secrets.token_hex(8)
        if not ApiClient.objects.filter(key_id=key_id).exists():
            return key_id


def clean_addresses(text: str) -> str:
    """One address or CIDR network per line; raises a field error on the first bad line."""
    lines = [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]
    out = []
    for line in lines:
        try:
            out.append(str(ipaddress.ip_network(line, strict=False)))
        except ValueError as exc:
            raise ValidationError(
                {"allowed_addresses": _("“%(value)s”不是有效的 IP 地址或网段。") % {"value": line[:50]}}
            ) from exc
    return "\n".join(out)


def _client_errors(client: ApiClient) -> dict[str, str]:
    errors: dict[str, str] = {}
    client.name = (client.name or "").strip()
    if not client.name:
        errors["name"] = _("请填写客户端名称。")
    elif ApiClient.objects.filter(bank_id=client.bank_id, name=client.name).exclude(pk=client.pk).exists():
        errors["name"] = _("该银行已有同名客户端。")
    if not 1 <= (client.rate_limit_per_minute or 0) <= MAX_RATE:
        errors["rate_limit_per_minute"] = _("每分钟请求上限应在1至100000之间。")
    return errors


def client_register(*, data: dict[str, Any], by: Any) -> tuple[ApiClient, str]:
    """Register a bank's head-office client; returns it and its secret (shown once, never again)."""
    require(by, "api.manage_clients")
    bank: Bank | None = data.get("bank")
    if bank is None:
        raise ValidationError({"bank": _("请选择银行。")})
    if bank.status == Bank.Status.ENDED:
        raise ValidationError({"bank": _("该银行已终止合作，不能登记接口客户端。")})
    client = ApiClient(
        bank=bank,
        name=data.get("name", ""),
        allowed_addresses=clean_addresses(data.get("allowed_addresses", "")),
        rate_limit_per_minute=data.get("rate_limit_per_minute") or 600,
        created_by=by if getattr(by, "pk", None) else None,
    )
    errors = _client_errors(client)
    if errors:
        raise ValidationError(errors)
    secret = _new_secret()
    with transaction.atomic():
        client.key_id = _new_key_id()
        client.secret_enc = encrypt(secret)
        client.save()
        record(action="api_client.register", by=by, obj=client, after=snapshot(client, CLIENT_FIELDS))
    return client, secret


def client_update(*, client: ApiClient, data: dict[str, Any], by: Any) -> ApiClient:
    """Change a client's name, address allow-list or rate limit (not its bank, key or secret)."""
    require(by, "api.manage_clients")
    with transaction.atomic():
        locked = ApiClient.objects.select_for_update().get(pk=client.pk)
        before = snapshot(locked, CLIENT_FIELDS)
        if "name" in data:
            locked.name = data["name"]
        if "allowed_addresses" in data:
            locked.allowed_addresses = clean_addresses(data["allowed_addresses"])
        if "rate_limit_per_minute" in data:
            locked.rate_limit_per_minute = data["rate_limit_per_minute"]
        errors = _client_errors(locked)
        if errors:
            raise ValidationError(errors)
        locked.save()
        b, a = changes(before, snapshot(locked, CLIENT_FIELDS))
        record(action="api_client.update", by=by, obj=locked, before=b, after=a)
    return locked


def client_rotate(*, client: ApiClient, by: Any) -> tuple[ApiClient, str]:
    """A new secret at once; the old one stops working with the next request."""
    require(by, "api.manage_clients")
    secret = _new_secret()
    with transaction.atomic():
        locked = ApiClient.objects.select_for_update().get(pk=client.pk)
        if not locked.is_active:
            raise ValidationError(_("已吊销的客户端不能轮换密钥。"))
        locked.secret_enc = encrypt(secret)
        locked.rotated_at = timezone.now()
        locked.rotated_by = by if getattr(by, "pk", None) else None
        locked.save(update_fields=["secret_enc", "rotated_at", "rotated_by"])
        record(action="api_client.rotate", by=by, obj=locked)
    return locked, secret


def client_revoke(*, client: ApiClient, reason: str, by: Any) -> ApiClient:
    require(by, "api.manage_clients")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写吊销原因。")})
    with transaction.atomic():
        locked = ApiClient.objects.select_for_update().get(pk=client.pk)
        if not locked.is_active:
            raise ValidationError(_("该客户端已被吊销。"))
        locked.status = ApiClient.Status.REVOKED
        locked.revoked_at = timezone.now()
        locked.revoked_by = by if getattr(by, "pk", None) else None
        locked.revoke_reason = reason.strip()[:200]
        locked.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"])
        record(action="api_client.revoke", by=by, obj=locked, reason=locked.revoke_reason)
    return locked


def token_create(*, user: Any, name: str, days: int, by: Any) -> tuple[PersonalToken, str]:
    """A personal token for `user`, made by that user; returns it and the clear token (shown once)."""
    require(by, "api.personal_tokens")
    if by is not None and by.pk != user.pk:
        raise NotAllowed(_("个人访问令牌只能由本人创建。"))
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("请填写令牌用途。")
    if not 1 <= (days or 0) <= MAX_TOKEN_DAYS:
        errors["days"] = _("有效期应在1至90天之间。")
    now = timezone.now()
    active = PersonalToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now).count()
    if active >= MAX_ACTIVE_TOKENS:
        errors["name"] = _("有效令牌已达10个，请先撤销不用的令牌。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        prefix = secrets.token_hex(4)
        while PersonalToken.objects.filter(prefix=prefix).exists():
            prefix = secrets.token_hex(4)
        clear = f"syt_{prefix}_{secrets.token_urlsafe(32)}"
        token = PersonalToken.objects.create(
            user=user,
            name=name[:100],
            prefix=prefix,
            token_hash=sm3_hex(clear.encode()),
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        record(
            action="api_token.create",
            by=by,
            obj=token,
            after={"name": token.name, "prefix": prefix, "expires_at": token.expires_at},
        )
    return token, clear


def token_revoke(*, token: PersonalToken, by: Any) -> PersonalToken:
    """The owner revokes their token (the system too, by=None)."""
    if by is not None and by.pk != token.user_id:
        raise NotAllowed(_("只能撤销本人的令牌。"))
    with transaction.atomic():
        locked = PersonalToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            record(action="api_token.revoke", by=by, obj=locked, after={"prefix": locked.prefix})
    return locked


def housekeeping(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Purge nonces past the replay window, idempotency records past their retention and refusal counts
    already in the audit trail for a week (a job)."""
    now = now or timezone.now()
    with transaction.atomic():
        nonces, _unused = Nonce.objects.filter(seen_at__lt=now - NONCE_RETENTION).delete()
        records = idempotency.purge(now)
        refusals, _unused = RefusalCount.objects.filter(
            audited=True, window_start__lt=now - REFUSAL_RETENTION
        ).delete()
    return {"nonces": nonces, "idempotency_records": records, "refusal_counts": refusals}


# --- refused calls: counted per source and window, audited once per window ------------------------------


def refusal_count(*, address: str, credential: str, code: str, now: dt.datetime | None = None) -> None:
    """Count one refused call (a system write, no actor): one row per source, code and minute."""
    now = now or timezone.now()
    window_start = now.replace(second=0, microsecond=0)
    key = {"window_start": window_start, "address": address[:45], "credential": credential[:64], "code": code}
    with transaction.atomic():
        if RefusalCount.objects.filter(**key).update(count=F("count") + 1, last_at=now):
            return
        try:
            with transaction.atomic():
                RefusalCount.objects.create(**key, count=1, first_at=now, last_at=now)
        except IntegrityError:  # another request of the same source made the row first
            RefusalCount.objects.filter(**key).update(count=F("count") + 1, last_at=now)


def _refusal_actor(credential: str) -> tuple[str, dict[str, str]]:
    if credential.startswith("key:"):
        key_id = credential.removeprefix("key:")
        client = ApiClient.objects.select_related("bank").filter(key_id=key_id).first()
        facts = {"client": client.name, "bank": client.bank.short_name} if client else {}
        return f"api:{key_id}", facts
    return (credential or "anonymous"), {}


def refusals_audit(*, now: dt.datetime | None = None) -> int:
    """Turn every closed one-minute window of refused calls into one audit event per source (a job).

    "api.refused", outcome denied, from the source address, naming the credential presented, with the
    number of refused calls by problem code. Returns the number of events written."""
    now = now or timezone.now()
    current = now.replace(second=0, microsecond=0)
    written = 0
    with transaction.atomic():
        rows = list(
            RefusalCount.objects.select_for_update()
            .filter(audited=False, window_start__lt=current)
            .order_by("window_start", "address", "credential", "code")
        )
        groups: dict[tuple[dt.datetime, str, str], list[RefusalCount]] = {}
        for row in rows:
            groups.setdefault((row.window_start, row.address, row.credential), []).append(row)
        for (window_start, address, credential), counted in groups.items():
            actor, facts = _refusal_actor(credential)
            token = client_address.set(address)
            try:
                record(
                    action="api.refused",
                    actor_name=actor,
                    object_type="api.refusal",
                    object_id=f"{timezone.localtime(window_start):%Y-%m-%d %H:%M} {credential}"[:64],
                    outcome=Outcome.DENIED,
                    after={
                        "window_start": window_start.isoformat(),
                        "window_seconds": 60,
                        "credential": credential,
                        "count": sum(r.count for r in counted),
                        "codes": {r.code: r.count for r in counted},
                        "first_at": min(r.first_at for r in counted).isoformat(),
                        "last_at": max(r.last_at for r in counted).isoformat(),
                        **facts,
                    },
                )
            finally:
                client_address.reset(token)
            written += 1
        RefusalCount.objects.filter(pk__in=[r.pk for r in rows]).update(audited=True)
    return written
