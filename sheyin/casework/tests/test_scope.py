"""Data scope of casework for every role (design rule 2): Case, ArchiveRecord, HandoverBatch, GuidedSession
and IssuedReceipt follow the OUTLET that served, never the applicant (无差别受理)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.accounts.roles import LEVEL, Level, Role
from sheyin.accounts.scope import scoped
from sheyin.accounts.tests.factories import user_with_role
from sheyin.casework import selectors, services
from sheyin.casework.models import ArchiveRecord, Case, GuidedSession, HandoverBatch, IssuedReceipt
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal

from .factories import WINDOW_ITEM, World, accepted, person, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def worlds(reference):  # type: ignore[no-untyped-def]
    """A Chaoyang outlet of one bank ("home") and a Haidian outlet of another ("other"); each has a
    completed case of an applicant from the OTHER district, its archive in a sent batch, a guided session."""
    out = {}
    for key, code, applicant_hukou in (("home", "110105", "110108"), ("other", "110108", "110105")):
        outlet = OutletFactory(district=district(code), bank=BankFactory())
        w = World(outlet=outlet, staff=staff_user(outlet), colleague=staff_user(outlet),
                  manager=user_with_role(Role.OUTLET_MANAGER, outlet=outlet),
                  officer=user_with_role(Role.DISTRICT_OFFICER, agency=district(code)),
                  applicant=person(7 if key == "home" else 8, hukou=applicant_hukou))  # fmt: skip
        case = services.case_submit(case=accepted(w, WINDOW_ITEM), by=w.staff)
        batch = services.handover_create(records=[ArchiveRecord.objects.get(case=case)], by=w.manager)
        services.handover_send(batch=batch, by=w.manager)
        session = services.guided_start(service_name="电子社保卡申领指导", by=w.staff)
        receipt, _pdf = services.receipt_issue(case=case, verify_url=lambda c, h: "http://x/v",
                                               rating_url=lambda t: "http://x/r", by=w.staff)  # fmt: skip
        out[key] = {"w": w, "case": case, "batch": batch, "session": session, "receipt": receipt}
    return out


def user_for(role: Role, home: World) -> object:
    level = LEVEL[role]
    if role == Role.OUTLET_STAFF:
        return home.staff  # the maker of the home case
    if level == Level.ALL:
        return user_with_role(role, agency=municipal())
    if level == Level.DISTRICT:
        return user_with_role(role, agency=home.outlet.district)
    if level == Level.BANK:
        return user_with_role(role, bank=home.outlet.bank)
    return user_with_role(role, outlet=home.outlet)


def expected(role: Role) -> set[str]:
    return {"home", "other"} if LEVEL[role] == Level.ALL else {"home"}


MODELS = {"case": Case, "archive": ArchiveRecord, "batch": HandoverBatch, "session": GuidedSession,
          "receipt": IssuedReceipt}  # fmt: skip


def test_scoped_reads_return_exactly_the_scope_for_every_role(worlds) -> None:  # type: ignore[no-untyped-def]
    """One world, every role × every scoped model (a world per role would be slow for nothing)."""
    wrong = []
    for role in Role:
        user = user_for(role, worlds["home"]["w"])
        for kind, model in MODELS.items():
            obj_of = {k: (worlds[k][kind] if kind != "archive" else ArchiveRecord.objects.get(case=worlds[k]["case"]))
                      for k in ("home", "other")}  # fmt: skip
            seen = set(scoped(model.objects.all(), user).values_list("pk", flat=True))
            want = {obj_of[k].pk for k in expected(role)}
            if role == Role.OUTLET_STAFF and kind == "batch":
                want = set()  # staff do not hand archives over
            if seen != want:
                wrong.append(f"{role} {kind}: saw {seen}, wanted {want}")
    assert not wrong, wrong


def test_an_applicant_from_another_district_does_not_widen_or_narrow_the_scope(worlds) -> None:  # type: ignore[no-untyped-def]
    haidian_officer = worlds["other"]["w"].officer
    home_case = worlds["home"]["case"]
    assert home_case.applicant_hukou == "110108"  # a Haidian resident served in Chaoyang
    assert not selectors.cases_for(haidian_officer).filter(pk=home_case.pk).exists()
    assert selectors.cases_for(worlds["home"]["w"].officer).filter(pk=home_case.pk).exists()


def test_list_pages_detail_pages_and_archives_stay_in_scope_for_every_role(client, worlds) -> None:  # type: ignore[no-untyped-def]
    home, other = worlds["home"]["case"].receipt_no, worlds["other"]["case"].receipt_no
    wrong = []
    for role in Role:
        user = user_for(role, worlds["home"]["w"])
        client.force_login(user)
        resp = client.get(reverse("casework:case_list"))
        if not user.has_perm("casework.view"):
            if resp.status_code != 403:
                wrong.append(f"{role}: list answered {resp.status_code}")
            continue
        everything = LEVEL[role] == Level.ALL
        body = resp.content.decode()
        detail = client.get(reverse("casework:case_detail", args=[worlds["other"]["case"].pk])).status_code
        archives = client.get(reverse("casework:archive_list")).content.decode()
        if home not in body or (other in body) != everything or (other in archives) != everything:
            wrong.append(f"{role}: list or archives out of scope")
        if detail != (200 if everything else 404):
            wrong.append(f"{role}: detail of the other outlet's case answered {detail}")
    assert not wrong, wrong


def test_scans_are_served_only_inside_the_scope_and_never_to_the_bank(client, worlds) -> None:  # type: ignore[no-untyped-def]
    case = worlds["home"]["case"]
    f = case.files.first()
    url = reverse("casework:case_file", args=[case.pk, f.pk])
    client.force_login(worlds["home"]["w"].manager)
    resp = client.get(url)
    assert resp.status_code == 200 and resp["Cache-Control"] == "private, no-store"
    client.force_login(worlds["other"]["w"].manager)
    assert client.get(url).status_code == 404
    client.force_login(user_with_role(Role.BANK_ADMIN, bank=worlds["home"]["w"].outlet.bank))
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
