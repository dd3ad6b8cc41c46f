"""Registry writes. Every path (pages, API, commands, imports) goes through these."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sheyin.accounts.permissions import require, require_scope
from sheyin.audit.services import changes, record, snapshot
from sheyin.common.identifiers import check_uscc
from sheyin.common.numbering import allocate

from .models import Agency, Bank, Outlet, OutletStatus
from .validation import location_errors

OUTLET_FIELDS = [
    "bank", "branch", "name", "district", "address", "lon", "lat", "opening_hours", "phone",
    "windows", "terminals", "online_counters", "document_cameras", "card_machines",
]  # fmt: skip
BANK_FIELDS = [
    "name",
    "short_name",
    "uscc",
    "uscc_override_reason",
    "address",
    "contact_name",
    "contact_phone",
]


def _outlet_errors(outlet: Outlet) -> dict[str, str]:
    errors = location_errors(outlet.lon, outlet.lat, outlet.district if outlet.district_id else None)
    if outlet.district_id and outlet.district.level != Agency.Level.DISTRICT:
        errors["district"] = _("所在区必须是区级经办机构。")
    if outlet.bank_id and outlet.name:
        clash = Outlet.objects.filter(bank_id=outlet.bank_id, name=outlet.name.strip()).exclude(pk=outlet.pk)
        if clash.exists():
            errors["name"] = _("该银行已有同名网点“%(name)s”。") % {"name": outlet.name}
    if outlet.branch is not None and outlet.branch.bank_id != outlet.bank_id:
        errors["branch"] = _("所属银行网点必须属于同一银行。")
    if not 1 <= (outlet.windows or 0) <= 2:
        errors["windows"] = _("人工窗口数应为1至2个（R2.3）。")
    return errors


def outlet_create(*, data: dict[str, Any], by: Any, status: str = OutletStatus.APPLYING) -> Outlet:
    require(by, "institutions.create_outlet")
    outlet = Outlet(**{k: data[k] for k in OUTLET_FIELDS if k in data}, status=status)
    outlet.name = outlet.name.strip()
    errors = _outlet_errors(outlet)
    if errors:
        raise ValidationError(errors)
    require_scope(by, outlet)
    try:
        with transaction.atomic():
            outlet.code = allocate(Outlet, "code", f"WD{outlet.district.code}", 4)
            outlet.save()
            record(action="outlet.create", by=by, obj=outlet, after=snapshot(outlet))
    except IntegrityError as exc:
        # Only the bank-and-name constraint is the user's to correct; anything else is not theirs to hear
        # as a name clash.
        if Outlet.objects.filter(bank_id=outlet.bank_id, name=outlet.name).exists():
            raise ValidationError(
                {"name": _("该银行已有同名网点“%(name)s”。") % {"name": outlet.name}}
            ) from exc
        raise
    return outlet


def outlet_update(*, outlet: Outlet, data: dict[str, Any], by: Any, reason: str = "") -> Outlet:
    require(by, "institutions.edit_outlet")
    require_scope(by, outlet)
    with transaction.atomic():
        locked = Outlet.objects.select_for_update().get(pk=outlet.pk)
        before = snapshot(locked)
        for k in OUTLET_FIELDS:
            if k in data and k != "bank":  # an outlet never changes bank
                setattr(locked, k, data[k])
        locked.name = locked.name.strip()
        errors = _outlet_errors(locked)
        if errors:
            raise ValidationError(errors)
        require_scope(by, locked)  # cannot move an outlet out of one's own scope
        locked.save()
        b, a = changes(before, snapshot(locked))
        record(action="outlet.update", by=by, obj=locked, before=b, after=a, reason=reason)
    return locked


def _bank_errors(bank: Bank) -> dict[str, str]:
    errors: dict[str, str] = {}
    checked = check_uscc(bank.uscc)
    if checked.ok:
        bank.uscc = checked.value
    elif not bank.uscc_override_reason.strip():
        errors["uscc"] = str(checked.error)
    else:
        bank.uscc = checked.value  # a real code that fails the check, kept with its recorded reason
    if Bank.objects.filter(uscc=bank.uscc).exclude(pk=bank.pk).exists():
        errors["uscc"] = _("该统一社会信用代码已登记。")
    if Bank.objects.filter(name=bank.name).exclude(pk=bank.pk).exists():
        errors["name"] = _("该银行名称已登记。")
    if Bank.objects.filter(short_name=bank.short_name).exclude(pk=bank.pk).exists():
        errors["short_name"] = _("该简称已被使用。")
    return errors


def bank_create(*, data: dict[str, Any], by: Any) -> Bank:
    require(by, "institutions.create_bank")
    bank = Bank(**{k: (data.get(k) or "").strip() for k in BANK_FIELDS})
    errors = _bank_errors(bank)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        bank.save()
        record(action="bank.create", by=by, obj=bank, after=snapshot(bank), reason=bank.uscc_override_reason)
    return bank


def bank_update(*, bank: Bank, data: dict[str, Any], by: Any) -> Bank:
    require(by, "institutions.edit_bank")
    require_scope(by, bank)
    with transaction.atomic():
        locked = Bank.objects.select_for_update().get(pk=bank.pk)
        before = snapshot(locked)
        for k in BANK_FIELDS:
            if k in data:
                setattr(locked, k, (data[k] or "").strip())
        errors = _bank_errors(locked)
        if errors:
            raise ValidationError(errors)
        locked.save()
        b, a = changes(before, snapshot(locked))
        record(action="bank.update", by=by, obj=locked, before=b, after=a)
    return locked


AGENCY_FIELDS = [
    "address",
    "phone",
    "lon",
    "lat",
    "min_outlet_distance_m",
    "min_office_distance_m",
    "coverage_radius_m",
]


def agency_update(*, agency: Agency, data: dict[str, Any], by: Any) -> Agency:
    """The municipal center edits an agency's office and its layout parameters (R8.4, editable)."""
    require(by, "institutions.edit_agency")
    with transaction.atomic():
        locked = Agency.objects.select_for_update().get(pk=agency.pk)
        before = snapshot(locked)
        for k in AGENCY_FIELDS:
            if k in data:
                setattr(locked, k, data[k])
        if locked.lon is not None and locked.lat is not None:
            errors = location_errors(
                locked.lon, locked.lat, locked if locked.level == Agency.Level.DISTRICT else None
            )
            if errors:
                raise ValidationError({"lon" if "lon" in errors else "lat": next(iter(errors.values()))})
        locked.save()
        b, a = changes(before, snapshot(locked))
        record(action="agency.update", by=by, obj=locked, before=b, after=a)
    return locked


def calendar_day_set(*, date: Any, is_workday: bool, name: str, by: Any) -> None:
    """Record a holiday on a weekday or a make-up working day; a day that matches the weekday rule is
    simply the default, so the exception is removed."""
    import datetime as dt

    from .models import CalendarDay

    require(by, "institutions.edit_calendar")
    if not isinstance(date, dt.date):
        raise ValidationError({"date": _("请填写有效日期。")})
    with transaction.atomic():
        before = (
            dict(CalendarDay.objects.filter(date=date).values("is_workday", "name").first() or {}) or None
        )
        if is_workday == (date.weekday() < 5):
            CalendarDay.objects.filter(date=date).delete()
        else:
            CalendarDay.objects.update_or_create(
                date=date, defaults={"is_workday": is_workday, "name": name.strip()}
            )
        record(
            action="calendar.set_day",
            by=by,
            object_type="institutions.calendarday",
            object_id=date.isoformat(),
            before=before,
            after={"is_workday": is_workday, "name": name.strip()},
        )


def holiday_schedule_publish(*, year: int, source: str, by: Any) -> None:
    """Mark a year's schedule as entered and published: deadlines stop using the fallback rule."""
    from .models import HolidaySchedule

    require(by, "institutions.edit_calendar")
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("年度无效。")})
    with transaction.atomic():
        schedule, created = HolidaySchedule.objects.get_or_create(
            year=year, defaults={"source": source.strip()}
        )
        if created:
            record(
                action="calendar.publish_year", by=by, obj=schedule, after={"year": year, "source": source}
            )
