"""Registry writes. Every path (pages, API, commands, imports) goes through these."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sheyin.accounts.permissions import NotAllowed, require, require_scope
from sheyin.audit.services import changes, record, snapshot
from sheyin.common.identifiers import check_uscc
from sheyin.common.numbering import allocate

from .models import Agency, Bank, Outlet, OutletStatus
from .validation import location_errors, phone_error

# What a rule depends on (R2.1–R2.3, R3.1, R4.2, R8.4): set by the outlet application and, once the outlet
# is accepted, changed only by a change request the district approves (cooperation.services.changes).
FACT_FIELDS = [
    "branch", "name", "district", "address", "lon", "lat", "floor_area_m2",
    "windows", "terminals", "online_counters", "document_cameras", "card_machines",
]  # fmt: skip
# What the outlet publishes and may edit directly (R10.3).
CONTACT_FIELDS = ["opening_hours", "phone"]
OUTLET_FIELDS = ["bank", *FACT_FIELDS, *CONTACT_FIELDS]
BANK_FIELDS = [
    "name",
    "short_name",
    "uscc",
    "uscc_override_reason",
    "address",
    "contact_name",
    "contact_phone",
]
LIVE = (OutletStatus.ACCEPTED, OutletStatus.OPERATING, OutletStatus.SUSPENDED)


def _phone_error(errors: dict[str, str], field: str, value: str, before: str | None = None) -> None:
    """The one phone rule, for a new or changed number only: a number recorded before the rule existed
    does not block an unrelated edit."""
    if value and value != before:
        problem = phone_error(value)
        if problem:
            errors[field] = problem


def outlet_errors(outlet: Outlet) -> dict[str, str]:
    """Every invariant of an outlet row, all at once (one round of errors for the form)."""
    errors = location_errors(outlet.lon, outlet.lat, outlet.district if outlet.district_id else None)
    if outlet.district_id and outlet.district.level != Agency.Level.DISTRICT:
        errors["district"] = _("所在区必须是区级经办机构。")
    if not (outlet.name or "").strip():
        errors["name"] = _("请填写网点名称。")
    elif outlet.bank_id:
        clash = Outlet.objects.filter(bank_id=outlet.bank_id, name=outlet.name.strip()).exclude(pk=outlet.pk)
        if clash.exists():
            errors["name"] = _("该银行已有同名网点“%(name)s”。") % {"name": outlet.name}
    if not (outlet.address or "").strip():
        errors["address"] = _("请填写地址。")
    if outlet.branch is not None and outlet.branch.bank_id != outlet.bank_id:
        errors["branch"] = _("所属银行网点必须属于同一银行。")
    if not 1 <= (outlet.windows or 0) <= 2:
        errors["windows"] = _("人工窗口数应为1至2个。")
    problem = phone_error(outlet.phone or "")
    if problem:
        errors["phone"] = problem
    return errors


def site_errors(lon: float | None, lat: float | None, district: Agency | None) -> dict[str, str]:
    """A site being entered: in Beijing and inside the declared district (the map picker asks this)."""
    return location_errors(lon, lat, district)


def outlet_register(
    *, data: dict[str, Any], by: Any, application_number: str = "", status: str = OutletStatus.APPLYING
) -> Outlet:
    """The registry row of a new outlet. An outlet comes into being only through an outlet application
    (R4.2): `cooperation.services.outlet_application_create` calls this inside its own transaction, after
    its permission and scope checks, with the application's number. There is no page, form or API that
    registers an outlet on its own. Seed data (`by=None`) may register outlets in any status."""
    if by is not None and (not application_number or status != OutletStatus.APPLYING):
        raise NotAllowed(_("合作网点只能通过网点设立申请登记，请在“网点设立申请”中提出申请。"))
    outlet = Outlet(**{k: data[k] for k in OUTLET_FIELDS if k in data}, status=status)
    outlet.name = (outlet.name or "").strip()
    errors = outlet_errors(outlet)
    if errors:
        raise ValidationError(errors)
    require_scope(by, outlet)
    try:
        with transaction.atomic():
            outlet.code = allocate(Outlet, "code", f"WD{outlet.district.code}", 4)
            outlet.save()
            record(
                action="outlet.create", by=by, obj=outlet, after=snapshot(outlet), reason=application_number
            )
    except IntegrityError as exc:
        # Only the bank-and-name constraint is the user's to correct; anything else is not theirs to hear
        # as a name clash.
        if Outlet.objects.filter(bank_id=outlet.bank_id, name=outlet.name).exists():
            raise ValidationError(
                {"name": _("该银行已有同名网点“%(name)s”。") % {"name": outlet.name}}
            ) from exc
        raise
    return outlet


def outlet_field_label(name: str) -> str:
    """The outlet field's name in words (for messages)."""
    return str(getattr(Outlet._meta.get_field(name), "verbose_name", name))


def outlet_update(*, outlet: Outlet, data: dict[str, Any], by: Any, reason: str = "") -> Outlet:
    """What an outlet edits directly: its opening hours and public phone (R10.3), from the edit page and
    the API alike. Everything a rule depends on — place, district, name, floor area, windows, terminals,
    online counters, document cameras, card machines — is refused here: before acceptance it changes in
    the outlet application, afterwards only by a change request the district approves (R3.1, R4.2,
    R8.4)."""
    require(by, "institutions.edit_outlet")
    require_scope(by, outlet)
    with transaction.atomic():
        locked = Outlet.objects.select_for_update().get(pk=outlet.pk)
        if locked.status == OutletStatus.TERMINATED:
            raise ValidationError(_("该网点已终止合作，网点信息不能再修改。"))
        errors: dict[str, str] = {}
        for k in [k for k in data if k not in CONTACT_FIELDS]:
            current = getattr(locked, f"{k}_id" if k in ("bank", "branch", "district") else k, None)
            given = data[k]
            given = getattr(given, "pk", given)
            if k not in OUTLET_FIELDS or given == current:
                continue  # an unchanged fact in a full form is no change
            if k == "bank":
                errors[k] = _("网点不能变更所属银行。")
            elif locked.status == OutletStatus.APPLYING:
                errors[k] = _("“%(field)s”请在网点设立申请中修改。") % {"field": outlet_field_label(k)}
            else:
                errors[k] = _("“%(field)s”须通过网点信息变更申请办理，经区级经办机构审批后生效。") % {
                    "field": outlet_field_label(k)
                }
        before = snapshot(locked)
        for k in CONTACT_FIELDS:
            if k in data:
                setattr(locked, k, (data[k] or "").strip())
        if not locked.opening_hours:
            errors["opening_hours"] = _("请填写营业时间。")
        problem = phone_error(locked.phone)
        if problem:
            errors["phone"] = problem
        if errors:
            raise ValidationError(errors)
        locked.save()
        b, a = changes(before, snapshot(locked))
        record(action="outlet.update", by=by, obj=locked, before=b, after=a, reason=reason)
    return locked


def outlet_facts_set(*, outlet: Outlet, data: dict[str, Any], by: Any, reason: str = "") -> Outlet:
    """Set the facts of an outlet that a procedure has decided, inside the procedure's transaction: the
    outlet application while it is a draft or returned (R4.2), an approved change request (R3.1, R8.4),
    seed data. Not a use case of its own — no page or API calls it; the procedure checks who may act."""
    with transaction.atomic():
        locked = Outlet.objects.select_for_update().get(pk=outlet.pk)
        before = snapshot(locked)
        for k in FACT_FIELDS + CONTACT_FIELDS:
            if k in data:
                setattr(locked, k, data[k])
        locked.name = (locked.name or "").strip()
        errors = outlet_errors(locked)
        if errors:
            raise ValidationError(errors)
        require_scope(by, locked)  # cannot move an outlet out of one's own scope
        locked.save()
        b, a = changes(before, snapshot(locked))
        record(action="outlet.update", by=by, obj=locked, before=b, after=a, reason=reason)
    return locked


def _bank_errors(bank: Bank, phone_before: str | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    _phone_error(errors, "contact_phone", bank.contact_phone, phone_before)
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
        phone_before = locked.contact_phone
        for k in BANK_FIELDS:
            if k in data:
                setattr(locked, k, (data[k] or "").strip())
        errors = _bank_errors(locked, phone_before)
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
        phone_before = locked.phone
        for k in AGENCY_FIELDS:
            if k in data:
                setattr(locked, k, data[k])
        phone_errors: dict[str, str] = {}
        _phone_error(phone_errors, "phone", locked.phone, phone_before)
        if phone_errors:
            raise ValidationError(phone_errors)
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
