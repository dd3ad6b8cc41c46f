"""Every look-up of a person by staff is logged (R9.3, R9.4): the oversight rule "疑似窥探个人信息" and the
query-log page compare it with the cases."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.casework import services
from sheyin.casework.models import PersonLookup

from .factories import WINDOW_ITEM, accepted, item, person, world

pytestmark = pytest.mark.django_db


def test_identifying_an_applicant_logs_the_look_up_with_the_masked_id(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = accepted(w)
    x = PersonLookup.objects.get()
    assert (x.case, x.staff, x.outlet, x.purpose) == (case, w.staff, w.outlet, "identify")
    assert x.person_masked == case.applicant_masked and "*" in x.person_masked
    assert x.person_index == case.applicant_index and w.applicant.id_number not in x.person_masked


def test_a_refused_identification_logs_nothing(reference) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    w = world()
    case = services.case_open(by=w.staff)
    case = services.case_choose_item(case=case, item=item(WINDOW_ITEM), by=w.staff)
    with pytest.raises(ValidationError):
        services.case_identify(case=case, id_number=w.applicant.id_number, card_number="WRONG", by=w.staff)
    with pytest.raises(ValidationError):
        services.case_identify(case=case, id_number="110101199001011234", by=w.staff)  # not in the core
    assert not PersonLookup.objects.exists()


def test_the_query_log_shows_which_look_ups_have_no_case(client, reference) -> None:  # type: ignore[no-untyped-def]
    """The staff member looks up one person, then identifies another on the same draft and cancels it:
    neither person has a case; a third look-up leads to a submitted case."""
    w = world()
    neighbour, celebrity = person(2, card="C20000002"), person(3, card="C30000003")
    case = services.case_open(by=w.staff)
    case = services.case_choose_item(case=case, item=item(WINDOW_ITEM), by=w.staff)
    services.case_identify(case=case, id_number=neighbour.id_number, by=w.staff)
    services.case_identify(case=case, id_number=celebrity.id_number, by=w.staff)
    services.case_cancel(case=case, reason="申请人未带身份证原件", by=w.staff)
    done = services.case_submit(case=accepted(w), by=w.staff)
    assert PersonLookup.objects.count() == 3
    client.force_login(w.officer)
    url = reverse("casework:lookup_list")
    body = client.get(url, {"backed": "0"}).content.decode()
    assert body.count("无对应业务</span>") == 2 and done.receipt_no not in body
    body = client.get(url, {"backed": "1"}).content.decode()
    assert done.receipt_no in body and "无对应业务</span>" not in body
    resp = client.get(
        url, {"staff": "x", "from": "not-a-date", "outlet": "9" * 20}
    )  # bad filters are ignored
    assert resp.status_code == 200
    export = client.get(url, {"export": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_window_staff_cannot_read_the_query_log(client, reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    accepted(w)
    client.force_login(w.staff)
    assert client.get(reverse("casework:lookup_list")).status_code == 403
    client.force_login(user_with_role(Role.DISTRICT_OFFICER, agency=world(code="110108").outlet.district))
    assert w.staff.display_name not in client.get(reverse("casework:lookup_list")).content.decode()
