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
        services.outlet_create(data=outlet_data(bank=bank, lon=121.47, lat=31.23), by=officer)  # Shanghai
    assert "不在北京市范围内" in str(exc.value)
    assert not Outlet.objects.exists()


def test_an_outlet_outside_its_declared_district_is_refused(officer) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    data = outlet_data(bank=bank, district=district("110108"))  # a point in 海淀
    data["district"] = district("110105")  # declared 朝阳
    with pytest.raises(ValidationError) as exc:
        services.outlet_create(data=data, by=officer)
    assert "坐标位于海淀区" in exc.value.message_dict["district"][0]
    assert not Outlet.objects.exists()


def test_a_duplicate_outlet_name_within_a_bank_is_refused(officer) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    services.outlet_create(data=outlet_data(bank=bank, name="望京网点"), by=officer)
    with pytest.raises(ValidationError, match="同名网点"):
        services.outlet_create(data=outlet_data(bank=bank, name="望京网点"), by=officer)
    services.outlet_create(
        data=outlet_data(bank=BankFactory(), name="望京网点"), by=officer
    )  # another bank may
    assert Outlet.objects.filter(name="望京网点").count() == 2


def test_a_bank_cannot_register_an_outlet_for_another_bank(reference) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = BankFactory(), BankFactory()
    bank_admin = user_with_role(Role.BANK_ADMIN, bank=mine)
    with pytest.raises(PermissionDenied):
        services.outlet_create(data=outlet_data(bank=theirs), by=bank_admin)
    services.outlet_create(data=outlet_data(bank=mine), by=bank_admin)


def test_a_district_cannot_move_an_outlet_into_another_district(reference) -> None:  # type: ignore[no-untyped-def]
    outlet = OutletFactory(district=district("110105"))
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    data = outlet_data(district=district("110108"))
    with pytest.raises(PermissionDenied):
        services.outlet_update(outlet=outlet, data=data, by=officer)
    outlet.refresh_from_db()
    assert outlet.district == district("110105")


def test_outlet_codes_are_numbered_per_district(officer) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    a = services.outlet_create(data=outlet_data(bank=bank, name="一"), by=officer)
    b = services.outlet_create(data=outlet_data(bank=bank, name="二"), by=officer)
    assert (a.code, b.code) == ("WD1101050001", "WD1101050002")


def test_an_edit_records_only_what_changed(officer) -> None:  # type: ignore[no-untyped-def]
    outlet = OutletFactory()
    services.outlet_update(outlet=outlet, data={"opening_hours": "周一至周六 9:00-17:00"}, by=officer)
    event = AuditEvent.objects.get(action="outlet.update")
    assert event.after == {"opening_hours": "周一至周六 9:00-17:00"}
    assert set(event.before) == {"opening_hours"}
