"""Terminal writes: registration and credentials, identification, queries and printouts (R2.1, R9.3).

Citizens at a terminal are anonymous to the platform: the terminal authenticates with its own credential
and every query is logged with terminal, outlet and time (`TerminalQuery`) and audited. Personal data is
kept as the core's reference, the blind index and masked values only.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
import time
import zlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.permissions import require, require_scope
from sheyin.audit.models import Outcome
from sheyin.audit.services import record
from sheyin.catalogue.choices import Channel
from sheyin.common.crypto import blind_index, encrypt_bytes, sm3_hex
from sheyin.common.identifiers import check_id_number
from sheyin.common.masking import mask_name
from sheyin.common.verification import group_code, new_code
from sheyin.coresystem.adapter import Person, RightsRecord, get_core
from sheyin.coresystem.printing import PrintMeta, render_rights_record
from sheyin.institutions.models import Outlet, OutletStatus
from sheyin.ratings import services as rating_services

from . import sms
from .models import OneTimeCode, PrintedRecord, Terminal, TerminalQuery
from .workflow import TERMINAL, TerminalStatus

IDLE_SECONDS = 60  # R2.1 page requirement; setting SHEYIN_KIOSK_IDLE_SECONDS overrides (tests, trials)


def idle_seconds() -> int:
    return int(getattr(settings, "SHEYIN_KIOSK_IDLE_SECONDS", IDLE_SECONDS))


OTP_TTL = dt.timedelta(minutes=5)
OTP_MAX_ATTEMPTS = 5
FAILURES_PER_MINUTE = 5
SEEN_EVERY = dt.timedelta(minutes=1)
# The SMS code cannot be used to bomb a phone (R9.3): code requests allowed per (seconds, requests), for
# the ID number typed, the phone number the core holds, and the terminal. Requests are counted whether
# or not the ID number is insured, so the limits do not tell an insured number from another.
SMS_LIMITS: dict[str, tuple[tuple[int, int], ...]] = {
    "id": ((60, 1), (3600, 5)),
    "phone": ((60, 1), (3600, 5)),
    "terminal": ((60, 3), (3600, 30)),
}


def _hash(secret: str) -> str:
    return sm3_hex(secret.encode())


def _new_secret() -> str:
    return secrets.token_urlsafe(24)


# --- terminals ----------------------------------------------------------------------------------------


def terminal_register(*, outlet: Outlet, serial: str, name: str, by: Any) -> tuple[Terminal, str]:
    """Register a terminal of `outlet`; returns it and its credential, shown this once only."""
    require(by, "kiosk.manage_terminals")
    serial, name = serial.strip().upper(), name.strip()
    errors: dict[str, str] = {}
    if not serial:
        errors["serial"] = _("请填写设备序列号。")
    elif Terminal.objects.filter(serial=serial).exists():
        errors["serial"] = _("该序列号的终端已登记。")
    if not name:
        errors["name"] = _("请填写终端名称。")
    elif Terminal.objects.filter(outlet=outlet, name=name).exists():
        errors["name"] = _("本网点已有同名终端。")
    if outlet.status == OutletStatus.TERMINATED:
        errors["outlet"] = _("网点已终止合作，不能登记终端。")
    if errors:
        raise ValidationError(errors)
    terminal = Terminal(outlet=outlet, district_id=outlet.district_id, bank_id=outlet.bank_id, serial=serial,
                        name=name, registered_by=by if getattr(by, "pk", None) else None)  # fmt: skip
    require_scope(by, terminal)
    secret = _new_secret()
    terminal.credential_hash = _hash(secret)
    terminal.credential_issued_at = timezone.now()
    try:
        with transaction.atomic():
            terminal.save()
            record(action="kiosk.terminal_register", by=by, obj=terminal,
                   after={"serial": serial, "name": name, "outlet": outlet.code})  # fmt: skip
    except IntegrityError as exc:
        raise ValidationError({"serial": _("该序列号的终端已登记。")}) from exc
    return terminal, secret


def terminal_rotate_credential(*, terminal: Terminal, by: Any) -> str:
    """Issue a new credential; the old one stops working at once."""
    require(by, "kiosk.manage_terminals")
    require_scope(by, terminal)
    secret = _new_secret()
    with transaction.atomic():
        locked = Terminal.objects.select_for_update().get(pk=terminal.pk)
        locked.credential_hash = _hash(secret)
        locked.credential_issued_at = timezone.now()
        locked.save(update_fields=["credential_hash", "credential_issued_at"])
        record(action="kiosk.terminal_rotate_credential", by=by, obj=locked)
    return secret


def _terminal_transition(action: str, terminal: Terminal, reason: str, by: Any) -> Terminal:
    require(by, "kiosk.manage_terminals")
    require_scope(by, terminal)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写原因。")})
    locked: Terminal = TERMINAL.apply(
        terminal, action, by=by, reason=reason, audit_action=f"kiosk.terminal_{action}"
    )
    return locked


def terminal_disable(*, terminal: Terminal, reason: str, by: Any) -> Terminal:
    return _terminal_transition("disable", terminal, reason, by)


def terminal_enable(*, terminal: Terminal, reason: str, by: Any) -> Terminal:
    return _terminal_transition("enable", terminal, reason, by)


def terminal_activate(*, serial: str, credential: str) -> tuple[Terminal, str]:
    """On the device itself: check serial + credential; returns the value of the terminal's cookie."""
    serial = serial.strip().upper()
    terminal = Terminal.objects.filter(serial=serial).select_related("outlet").first()
    ok = (
        terminal is not None
        and terminal.status == TerminalStatus.ACTIVE
        and secrets.compare_digest(terminal.credential_hash, _hash(credential.strip()))
    )
    with transaction.atomic():
        record(action="kiosk.terminal_activate", obj=terminal, object_type="kiosk.terminal",
               outcome=Outcome.SUCCESS if ok else Outcome.FAILURE, actor_name=f"terminal:{serial[:40]}")  # fmt: skip
    if not ok or terminal is None:
        raise ValidationError(_("序列号或凭证不正确，或终端已停用。"))
    return terminal, f"{terminal.pk}:{credential.strip()}"


def terminal_from_cookie(value: str | None) -> Terminal | None:
    """The active terminal a cookie value (`<id>:<credential>`) names, or None."""
    if not value or ":" not in value:
        return None
    pk, _sep, secret = value.partition(":")
    if not pk.isdigit():
        return None
    terminal = (
        Terminal.objects.filter(pk=int(pk), status=TerminalStatus.ACTIVE).select_related("outlet").first()
    )
    if terminal is None or not secrets.compare_digest(terminal.credential_hash, _hash(secret)):
        return None
    now = timezone.now()
    if terminal.last_seen_at is None or now - terminal.last_seen_at > SEEN_EVERY:
        # Telemetry, not a business change: no audit event.
        Terminal.objects.filter(pk=terminal.pk).update(last_seen_at=now)
        terminal.last_seen_at = now
    return terminal


# --- citizens at the terminal -------------------------------------------------------------------------


def out_of_service_reason(terminal: Terminal) -> str:
    """Why this terminal does not serve now, or "" when it does: a terminal serves only while its outlet
    is operating (R6.4, R9.3). Read on every request, so a suspension or termination stops it at once."""
    status = terminal.outlet.status
    if status == OutletStatus.OPERATING:
        return ""
    if status == OutletStatus.SUSPENDED:
        return _("本网点暂停提供社保服务，本终端暂停使用。")
    if status == OutletStatus.TERMINATED:
        return _("本网点已终止社保服务合作，本终端停止服务。")
    return _("本网点尚未开始提供社保服务，本终端暂不能使用。")


def _require_serving(terminal: Terminal) -> None:
    reason = out_of_service_reason(terminal)
    if reason:
        raise ValidationError(reason, code="out_of_service")


def _log(terminal: Terminal, action: str, person: Person | None = None, printed: PrintedRecord | None = None,
         outcome: str = Outcome.SUCCESS) -> TerminalQuery:  # fmt: skip
    q = TerminalQuery.objects.create(
        terminal=terminal, outlet_id=terminal.outlet_id, district_id=terminal.district_id, bank_id=terminal.bank_id,
        action=action, person_ref=person.ref if person else "", person_index=person.id_index if person else "",
        person_masked=person.id_masked if person else "", printed=printed,
    )  # fmt: skip
    record(action=f"kiosk.{action}", obj=q, outcome=outcome, actor_name=f"terminal:{terminal.serial}",
           after={"terminal": terminal.serial, "outlet": terminal.outlet.code})  # fmt: skip
    return q


def _too_many_failures(terminal: Terminal) -> bool:
    since = timezone.now() - dt.timedelta(seconds=60)
    failed = TerminalQuery.objects.filter(
        terminal=terminal, action=TerminalQuery.Action.IDENTIFY_FAILED, at__gte=since
    ).count()
    return failed >= FAILURES_PER_MINUTE


def kiosk_identify(*, terminal: Terminal, id_number: str, card_number: str) -> Person:
    """ID number + social security card number. A wrong pair gets one message for both cases, so the
    terminal does not reveal whether a number is insured."""
    _require_serving(terminal)
    checked = check_id_number(id_number)
    errors: dict[str, str] = {}
    if not checked.ok:
        errors["id_number"] = str(checked.error)
    if not card_number.strip():
        errors["card_number"] = _("请输入社会保障卡卡号。")
    if errors:
        raise ValidationError(errors)
    if _too_many_failures(terminal):
        raise ValidationError(_("尝试次数过多，请一分钟后再试。"))
    core = get_core()
    person = core.find_person(checked.value)
    ok = person is not None and core.card_matches(person.ref, card_number)
    with transaction.atomic():
        action = TerminalQuery.Action.IDENTIFY if ok else TerminalQuery.Action.IDENTIFY_FAILED
        _log(terminal, action, person, outcome=Outcome.SUCCESS if ok else Outcome.FAILURE)
    if not ok or person is None:
        raise ValidationError(_("身份证号码或社会保障卡卡号不正确，请核对后重试。"))
    return person


class CodeWait(ValidationError):
    """A code was asked for too soon: `seconds` to wait before the next request."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        if seconds < 60:
            wait = _("%(n)s秒") % {"n": seconds}
        else:
            wait = _("%(n)s分钟") % {"n": math.ceil(seconds / 60)}
        super().__init__(
            {"id_number": _("验证码获取过于频繁，请%(wait)s后再试。") % {"wait": wait}}, code="sms_wait"
        )


def _now() -> float:
    return time.time()


def _sms_key(kind: str, identity: str) -> str:
    return f"kiosk:sms:{kind}:{identity}"


def _sms_wait(sources: dict[str, str], now: float) -> int:
    """Seconds until every source may ask for another code (0: now). Sliding windows over the times of
    earlier requests, kept in the cache (shared by every worker in production)."""
    wait = 0.0
    for kind, identity in sources.items():
        times: list[float] = cache.get(_sms_key(kind, identity)) or []
        for seconds, limit in SMS_LIMITS[kind]:
            recent = sorted(t for t in times if t > now - seconds)
            if len(recent) >= limit:
                wait = max(wait, recent[-limit] + seconds - now)
    return math.ceil(wait)


def _sms_count(sources: dict[str, str], now: float) -> None:
    for kind, identity in sources.items():
        longest = max(seconds for seconds, _limit in SMS_LIMITS[kind])
        times = [t for t in (cache.get(_sms_key(kind, identity)) or []) if t > now - longest]
        cache.set(_sms_key(kind, identity), [*times, now], timeout=longest)


def otp_send(*, terminal: Terminal, id_number: str) -> int | None:
    """Send a one-time code to the phone the core holds for this person. Returns the code's id, or None
    when there is no such person or phone (the terminal shows the same words either way).

    Limited per ID number, per phone number and per terminal (SMS_LIMITS): too soon raises `CodeWait`
    with the seconds to wait, shown on the terminal."""
    _require_serving(terminal)
    checked = check_id_number(id_number)
    if not checked.ok:
        raise ValidationError({"id_number": str(checked.error)})
    if _too_many_failures(terminal):
        raise ValidationError(_("尝试次数过多，请一分钟后再试。"))
    now = _now()
    sources = {"id": blind_index(checked.value), "terminal": str(terminal.pk)}  # never the number itself
    wait = _sms_wait(sources, now)
    if wait:
        raise CodeWait(wait)
    core = get_core()
    person = core.find_person(checked.value)
    phone = core.contact_phone(person.ref) if person else ""
    if phone:
        sources["phone"] = blind_index(phone)
        wait = _sms_wait({"phone": sources["phone"]}, now)
        if wait:  # another ID number with the same phone asked a moment ago
            raise CodeWait(wait)
    _sms_count(sources, now)
    if person is None or not phone:
        return None
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        otp = OneTimeCode.objects.create(
            terminal=terminal, person_ref=person.ref, person_index=person.id_index,
            code_hash=_hash(f"{person.id_index}:{code}"), expires_at=timezone.now() + OTP_TTL,
        )  # fmt: skip
        _log(terminal, TerminalQuery.Action.CODE_SENT, person)
        transaction.on_commit(lambda: sms.sender().send_code(otp_id=otp.pk, phone=phone, code=code))
    return otp.pk


def otp_verify(*, terminal: Terminal, otp_id: int | None, code: str) -> Person:
    _require_serving(terminal)
    code = code.strip()
    if not (len(code) == 6 and code.isdigit()):
        raise ValidationError({"code": _("请输入6位数字验证码。")})
    wrong = ValidationError({"code": _("验证码不正确或已过期。")})
    if otp_id is None:
        raise wrong
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(pk=otp_id, terminal=terminal, used_at__isnull=True, expires_at__gt=timezone.now())
            .first()
        )
        if otp is None or otp.attempts >= OTP_MAX_ATTEMPTS:
            raise wrong
        otp.attempts += 1
        ok = secrets.compare_digest(otp.code_hash, _hash(f"{otp.person_index}:{code}"))
        if ok:
            otp.used_at = timezone.now()
        otp.save(update_fields=["attempts", "used_at"])
        person = get_core().person(otp.person_ref)
        action = TerminalQuery.Action.IDENTIFY if ok else TerminalQuery.Action.IDENTIFY_FAILED
        _log(terminal, action, person, outcome=Outcome.SUCCESS if ok else Outcome.FAILURE)
    if not ok or person is None:
        raise wrong
    return person


def record_view(*, terminal: Terminal, person_ref: str) -> RightsRecord:
    _require_serving(terminal)
    core = get_core()
    rec = core.rights_record(person_ref)
    with transaction.atomic():
        _log(terminal, TerminalQuery.Action.VIEW_RECORD, rec.person)
    return rec


def record_print(
    *,
    terminal: Terminal,
    person_ref: str,
    verify_url: Callable[[str, str], str],
    rating_url: Callable[[str], str],
) -> tuple[PrintedRecord, bytes]:
    """Render the person's rights record with its 核验码 and the 评价码 of this self-service (R2.1, R9.5);
    keep the codes, the hashes and the printed content (encrypted) for verification; log it.

    `verify_url(code, content_hash)` and `rating_url(rating_code)` give the absolute URLs of the QR codes."""
    _require_serving(terminal)
    core = get_core()
    rec = core.rights_record(person_ref)
    printed_at = timezone.now().replace(microsecond=0)
    outlet = terminal.outlet
    place = _("%(outlet)s · %(terminal)s") % {"outlet": outlet.name, "terminal": terminal.name}
    for _attempt in range(3):
        code = new_code()
        if not PrintedRecord.objects.filter(code=code).exists():
            break
    canonical = rec.canonical_bytes(code=code, printed_at=printed_at)
    content_hash = sm3_hex(canonical)
    with transaction.atomic():
        rating_code = rating_services.rating_token_issue(outlet=outlet, channel=Channel.TERMINAL, by=None)
        meta = PrintMeta(
            group_code(code), printed_at, content_hash, verify_url(code, content_hash), place,
            rating_code=rating_services.display_token(rating_code), rating_url=rating_url(rating_code),
        )  # fmt: skip
        pdf = render_rights_record(rec, meta)
        printed = PrintedRecord.objects.create(
            code=code, content_hash=content_hash, pdf_hash=sm3_hex(pdf), content=encrypt_bytes(zlib.compress(canonical)),
            person_index=rec.person.id_index, masked_name=mask_name(rec.person.name), id_masked=rec.person.id_masked,
            period_start=rec.period_start, period_end=rec.period_end, months=len(rec.rows), printed_at=printed_at,
            channel=PrintedRecord.Channel.TERMINAL, terminal=terminal, outlet=outlet,
            district_id=terminal.district_id, bank_id=terminal.bank_id,
            rating_token=rating_services.rating_token_resolve(rating_code),
        )  # fmt: skip
        _log(terminal, TerminalQuery.Action.PRINT_RECORD, rec.person, printed=printed)
    return printed, pdf
