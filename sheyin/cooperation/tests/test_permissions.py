"""Who may do what, per role family: the transition tables and the permission codes agree; pages and
services refuse the roles that may not act."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import LEVEL, Level, Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.cooperation import services, workflow
from sheyin.cooperation.permissions import PERMISSIONS

from .factories import cooperating, district, inspected, municipal, operating, submitted

# The permission each transition's service requires.
SERVICE_PERM = {
    ("bank_application", "submit"): "cooperation.apply_bank",
    ("bank_application", "withdraw"): "cooperation.apply_bank",
    ("bank_application", "return"): "cooperation.review_bank",
    ("bank_application", "review"): "cooperation.review_bank",
    ("bank_application", "approve"): "cooperation.approve_bank",
    ("bank_application", "reject"): "cooperation.approve_bank",
    ("agreement", "sign_municipal"): "cooperation.sign_municipal",
    ("agreement", "sign_district"): "cooperation.sign_district",
    ("outlet_application", "submit"): "cooperation.apply_outlet",
    ("outlet_application", "withdraw"): "cooperation.apply_outlet",
    ("outlet_application", "return"): "cooperation.review_application",
    ("outlet_application", "admit"): "cooperation.review_application",
    ("outlet_application", "inspect"): "cooperation.inspect",
    ("outlet_application", "accept"): "cooperation.decide_acceptance",
    ("outlet_application", "rectify"): "cooperation.decide_acceptance",
    ("outlet_application", "reject"): "cooperation.decide_acceptance",
    ("inspection", "complete"): "cooperation.inspect",
    ("layout_exception", "approve"): "cooperation.approve_layout",
    ("layout_exception", "reject"): "cooperation.approve_layout",
    ("filing", "approve"): "cooperation.check_filing",
    ("filing", "reject"): "cooperation.check_filing",
    ("outlet", "accept"): "cooperation.decide_acceptance",
    ("outlet", "open"): "cooperation.issue_plaque",
    ("outlet", "suspend"): "cooperation.suspend_outlet",
    ("outlet", "resume"): "cooperation.suspend_outlet",
    ("termination", "confirm"): "cooperation.confirm_termination",
    ("termination", "approve"): "cooperation.approve_termination",
    ("termination", "execute"): "cooperation.execute_termination",
    ("checklist", "publish"): "cooperation.settings",
    ("checklist", "retire"): "cooperation.settings",
    ("bank", "activate"): "cooperation.sign_municipal",
    ("termination", "close"): "cooperation.close_open_item",
    ("change_request", "approve"): "cooperation.decide_change",
    ("change_request", "reject"): "cooperation.decide_change",
    ("change_request", "withdraw"): "cooperation.request_change",
    ("change_request", "justify_layout"): "cooperation.justify_layout",
    ("change_request", "approve_layout"): "cooperation.approve_layout",
    ("change_request", "reject_layout"): "cooperation.approve_layout",
}
# Cancelling a termination: either side of a negotiated one, or the municipal center for a bank-wide end.
EITHER = {("termination", "cancel"): ("cooperation.confirm_termination", "cooperation.terminate_bank")}


def test_every_transitions_roles_hold_the_permission_of_its_service() -> None:
    for lc in workflow.LIFECYCLES:
        for tr in lc.transitions:
            people = tr.roles - {workflow.SYSTEM}
            key = (lc.name, tr.action)
            perms = EITHER.get(key) or ((SERVICE_PERM[key],) if key in SERVICE_PERM else ())
            if not perms:
                assert not people, f"{lc.name}.{tr.action}: roles without a service permission"
                continue
            holders = {r.value for p in perms for r in PERMISSIONS[p]}
            assert people <= holders, f"{lc.name}.{tr.action}"


def test_the_three_administrators_and_outlet_staff_have_no_lifecycle_permission() -> None:
    for code, roles in PERMISSIONS.items():
        assert not roles & {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.OUTLET_STAFF}, code


def _user(role: Role):  # type: ignore[no-untyped-def]
    level = LEVEL[role]
    if level == Level.ALL:
        return user_with_role(role, agency=municipal())
    if level == Level.DISTRICT:
        return user_with_role(role, agency=district("110105"))
    if level == Level.BANK:
        from .factories import BankFactory

        return user_with_role(role, bank=BankFactory())
    from .factories import OutletFactory

    return user_with_role(role, outlet=OutletFactory())


PAGE_ACCESS = {
    # page: roles that get 200 (others 403)
    "cooperation:bank_application_list": {
        "municipal_admin",
        "municipal_officer",
        "district_admin",
        "district_officer",
        "district_inspector",
        "bank_admin",
        "outlet_manager",
    },
    "cooperation:settings": {"municipal_admin"},
    "cooperation:application_create": {"bank_admin"},
    "cooperation:bank_application_create": {"bank_admin"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_role_family_reaches_only_its_pages(client, reference, role) -> None:  # type: ignore[no-untyped-def]
    client.force_login(_user(role))
    for name, allowed in PAGE_ACCESS.items():
        status = client.get(reverse(name)).status_code
        if role.value in allowed:
            assert status in (200, 302), (
                f"{name} {role}"
            )  # a bank without an agreement is redirected with a message
        else:
            assert status == 403, f"{name} {role}"


@pytest.mark.django_db
def test_services_refuse_the_wrong_role_family(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    app = submitted(p)
    with pytest.raises(NotAllowed):  # a bank cannot admit its own application
        services.outlet_application_admit(application=app, by=p.bank_admin)
    with pytest.raises(NotAllowed):  # the municipal center does not admit outlet applications
        services.outlet_application_admit(application=app, by=p.muni_admin)
    app = services.outlet_application_admit(application=app, by=p.district_officer)
    with pytest.raises(NotAllowed):  # only inspectors inspect
        services.inspection_start(application=app, by=p.district_admin)
    done = inspected(p)
    with pytest.raises(NotAllowed):  # the inspector does not decide acceptance
        services.outlet_application_accept(application=done, by=p.inspector)
    with pytest.raises(NotAllowed):
        services.outlet_application_accept(application=done, by=p.district_officer)
    outlet = operating(p)
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=outlet)
    with pytest.raises(NotAllowed):
        services.termination_propose(
            outlet=outlet, kind="negotiated", reason="x", effective_date=outlet.created_at.date(), by=manager
        )
    with pytest.raises(NotAllowed):
        services.settings_update(data={"term_years": 5}, by=p.muni_officer)
    with pytest.raises(NotAllowed):
        services.template_save(kind="district", title="t", body="b", by=p.district_admin)


@pytest.mark.django_db
def test_a_district_cannot_act_on_another_districts_application(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    app = submitted(p)
    stranger = user_with_role(Role.DISTRICT_OFFICER, agency=district("110108"))
    with pytest.raises(NotAllowed, match="该对象不在您的数据范围内"):
        services.outlet_application_admit(application=app, by=stranger)
