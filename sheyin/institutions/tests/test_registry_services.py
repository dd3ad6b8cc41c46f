"""Registry invariants: each bad input gets a clear Chinese message and writes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.common.identifiers import make_uscc
from sheyin.institutions import services
from sheyin.institutions.models import Bank, Outlet
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal, outlet_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(reference):  # type: ignore[no-untyped-def]
    return user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())


def bank_data(**kw):  # type: ignore[no-untyped-def]
    return {"name": "新银行北京分行", "short_name": "新银行", "uscc": make_uscc("91110000777777777"), **kw}


def test_a_bank_with_a_valid_credit_code_is_registered_and_audited(officer) -> None:  # type: ignore[no-untyped-def]
    bank = services.bank_create(data=bank_data(), by=officer)
    assert AuditEvent.objects.filter(action="bank.create", object_id=str(bank.pk)).exists()


def test_an_invalid_credit_code_is_refused_and_nothing_is_written(officer) -> None:  # type: ignore[no-untyped-def]
    good = make_uscc("91110000777777777")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        services.bank_create(data=bank_data(uscc=bad), by=officer)
    assert "统一社会信用代码" in exc.value.message_dict["uscc"][0]
    assert not Bank.objects.exists() and not AuditEvent.objects.filter(action="bank.create").exists()


def test_a_real_code_failing_the_check_is_accepted_with_a_recorded_reason(officer) -> None:  # type: ignore[no-untyped-def]
    good = make_uscc("91110000777777777")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    bank = services.bank_create(
        data=bank_data(uscc=bad, uscc_override_reason="营业执照原件核对无误"), by=officer
    )
    assert AuditEvent.objects.get(action="bank.create").reason == "营业执照原件核对无误"
    assert bank.uscc == bad


def test_coordinates_outside_beijing_are_refused(officer) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    with pytest.raises(ValidationError) as exc:
        services.outlet_register(data=outlet_data(bank=bank, lon=121.47, lat=31.23), by=None)  # Shanghai
    assert "不在北京市范围内" in str(exc.value)
    assert not Outlet.objects.exists()


def test_an_outlet_outside_its_declared_district_is_refused(officer) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    data = outlet_data(bank=bank, district=district("110108"))  # a point in 海淀
    data["district"] = district("110105")  # declared 朝阳
    with pytest.raises(ValidationError) as exc:
        services.outlet_register(data=data, by=None)
    assert "坐标位于海淀区" in exc.value.message_dict["district"][0]
    assert not Outlet.objects.exists()


def test_a_malformed_phone_and_a_place_outside_beijing_are_refused_together(officer) -> None:  # type: ignore[no-untyped-def]
    data = outlet_data(bank=BankFactory(), lon=121.47, lat=31.23, phone="电话：请拨打")
    with pytest.raises(ValidationError) as exc:
        services.outlet_register(data=data, by=None)
    assert set(exc.value.message_dict) >= {"lon", "phone"}
    assert "电话号码格式不正确" in exc.value.message_dict["phone"][0]
    assert not Outlet.objects.exists()


def test_a_duplicate_outlet_name_within_a_bank_is_refused(officer) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    services.outlet_register(data=outlet_data(bank=bank, name="望京网点"), by=None)
    with pytest.raises(ValidationError, match="同名网点"):
        services.outlet_register(data=outlet_data(bank=bank, name="望京网点"), by=None)
    services.outlet_register(
        data=outlet_data(bank=BankFactory(), name="望京网点"), by=None
    )  # another bank may
    assert Outlet.objects.filter(name="望京网点").count() == 2


def test_nobody_registers_an_outlet_outside_an_outlet_application(reference) -> None:  # type: ignore[no-untyped-def]
    """R4.2: an outlet comes into being only through an outlet application; the registry refuses a
    person registering one on its own, whatever the role or the status asked for."""
    bank = BankFactory()
    for user in (
        user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal()),
        user_with_role(Role.DISTRICT_ADMIN, agency=district("110105")),
        user_with_role(Role.BANK_ADMIN, bank=bank),
    ):
        with pytest.raises(PermissionDenied, match="只能通过网点设立申请登记"):
            services.outlet_register(data=outlet_data(bank=bank), by=user)
        with pytest.raises(PermissionDenied, match="只能通过网点设立申请登记"):
            services.outlet_register(
                data=outlet_data(bank=bank), by=user, application_number="WDSQ-1", status="operating"
            )
    assert not Outlet.objects.exists()
    assert not AuditEvent.objects.filter(action="outlet.create").exists()


def test_a_bank_cannot_register_an_outlet_for_another_bank(reference) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = BankFactory(), BankFactory()
    bank_admin = user_with_role(Role.BANK_ADMIN, bank=mine)
    with pytest.raises(PermissionDenied):
        services.outlet_register(data=outlet_data(bank=theirs), by=bank_admin, application_number="WDSQ-1")
    services.outlet_register(data=outlet_data(bank=mine), by=bank_admin, application_number="WDSQ-2")


def test_the_direct_edit_refuses_every_fact_a_rule_depends_on(reference) -> None:  # type: ignore[no-untyped-def]
    """R3.1, R8.4, R4.2: the edit that once moved an operating outlet 43 m from another, set its terminals,
    online counters and card machines to 0 or moved it into another district is refused field by field;
    those facts change only by a change request the district approves."""
    outlet = OutletFactory(district=district("110105"), windows=1, terminals=1, online_counters=1)
    bank_admin = user_with_role(Role.BANK_ADMIN, bank=outlet.bank)
    elsewhere = outlet_data(district=district("110108"))
    data = {"lon": outlet.lon + 0.0004, "lat": outlet.lat, "district": elsewhere["district"], "terminals": 0,
            "online_counters": 0, "card_machines": 0, "opening_hours": "周一至周日 9:00-17:00"}  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.outlet_update(outlet=outlet, data=data, by=bank_admin)
    errors = exc.value.message_dict
    assert set(errors) == {"lon", "district", "terminals", "online_counters", "card_machines"}
    assert "须通过网点信息变更申请办理" in errors["terminals"][0]
    fresh = Outlet.objects.get(pk=outlet.pk)
    assert (fresh.lon, fresh.district_id, fresh.terminals, fresh.opening_hours) == (
        outlet.lon, outlet.district_id, 1, outlet.opening_hours,
    )  # fmt: skip
    assert not AuditEvent.objects.filter(action="outlet.update").exists()


def test_an_applying_outlet_changes_its_facts_in_its_application(reference) -> None:  # type: ignore[no-untyped-def]
    outlet = OutletFactory(status="applying")
    bank_admin = user_with_role(Role.BANK_ADMIN, bank=outlet.bank)
    with pytest.raises(ValidationError, match="请在网点设立申请中修改"):
        services.outlet_update(outlet=outlet, data={"windows": 2}, by=bank_admin)


def test_a_terminated_outlet_is_not_edited(reference) -> None:  # type: ignore[no-untyped-def]
    outlet = OutletFactory(status="terminated")
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=outlet.district)
    with pytest.raises(ValidationError, match="已终止合作"):
        services.outlet_update(outlet=outlet, data={"phone": "010-66668888"}, by=officer)


def test_contact_details_stay_directly_editable_and_a_bad_phone_is_refused(reference) -> None:  # type: ignore[no-untyped-def]
    outlet = OutletFactory(phone="010-65000000")
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=outlet)
    with pytest.raises(ValidationError, match="电话号码格式不正确"):
        services.outlet_update(outlet=outlet, data={"phone": "abc"}, by=manager)
    services.outlet_update(outlet=outlet, data={"phone": "010-65001234", "lon": outlet.lon}, by=manager)
    assert Outlet.objects.get(pk=outlet.pk).phone == "010-65001234"


def test_outlet_codes_are_numbered_per_district(officer) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    a = services.outlet_register(data=outlet_data(bank=bank, name="一"), by=None)
    b = services.outlet_register(data=outlet_data(bank=bank, name="二"), by=None)
    assert (a.code, b.code) == ("WD1101050001", "WD1101050002")


def test_an_edit_records_only_what_changed(officer) -> None:  # type: ignore[no-untyped-def]
    outlet = OutletFactory()
    services.outlet_update(outlet=outlet, data={"opening_hours": "周一至周六 9:00-17:00"}, by=officer)
    event = AuditEvent.objects.get(action="outlet.update")
    assert event.after == {"opening_hours": "周一至周六 9:00-17:00"}
    assert set(event.before) == {"opening_hours"}
