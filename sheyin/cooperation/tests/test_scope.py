"""Data scope of every lifecycle model × every role (design rule 2), plus the list, detail and export pages.

Scoped models walked here: CooperationSettings, DocumentTemplate, ChecklistTemplate, ChecklistItem,
BankApplication, Agreement, AgreementRenewal, RenewalObjection, OutletApplication, ApplicationFile,
LayoutException, SiteInspection, InspectionResult, InspectionPhoto, Filing, Plaque, Suspension,
Termination, OpenItem, LifecycleEvent, OutletChangeRequest, OpeningCheck.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sheyin.accounts.roles import LEVEL, Level, Role
from sheyin.accounts.scope import scoped
from sheyin.accounts.tests.factories import user_with_role
from sheyin.cooperation import selectors
from sheyin.cooperation.models import (
    Agreement,
    AgreementRenewal,
    ApplicationFile,
    BankApplication,
    ChecklistItem,
    ChecklistTemplate,
    CooperationSettings,
    DocumentTemplate,
    Filing,
    InspectionPhoto,
    InspectionResult,
    LayoutException,
    LifecycleEvent,
    OpeningCheck,
    OpenItem,
    OutletApplication,
    OutletChangeRequest,
    Plaque,
    RenewalObjection,
    SiteInspection,
    Suspension,
    Termination,
)

from .factories import BankFactory, OutletFactory, district, municipal, png_bytes

pytestmark = pytest.mark.django_db

REFERENCE = (CooperationSettings, DocumentTemplate, ChecklistTemplate, ChecklistItem)


@pytest.fixture
def world(reference):  # type: ignore[no-untyped-def]
    home_d, other_d = district("110105"), district("110108")
    home_b, other_b = BankFactory(short_name="本行"), BankFactory(short_name="他行")
    keys = {
        "home": (home_b, home_d),
        "hb_od": (home_b, other_d),
        "ob_hd": (other_b, home_d),
        "other": (other_b, other_d),
    }
    outlets = {k: OutletFactory(bank=b, district=d, name=f"网点{k}") for k, (b, d) in keys.items()}
    tpl_m = selectors.current_template("municipal")
    tpl_d = selectors.current_template("district")
    checklist = selectors.published_checklist()
    item = checklist.items.first()  # type: ignore[union-attr]
    today = timezone.localdate()
    tags: dict[type, dict[int, tuple[Any, Any, Any]]] = {}  # model -> pk -> (bank, district, outlet)

    def tag(obj: Any, bank: Any, dist: Any = None, outlet: Any = None) -> Any:
        tags.setdefault(type(obj), {})[obj.pk] = (bank, dist, outlet)
        return obj

    for bank in (home_b, other_b):
        app = tag(
            BankApplication.objects.create(
                number=f"B{bank.pk}", bank=bank, contact_name="甲", contact_phone="1", proposal="方案"
            ),
            bank,
        )
        ag = tag(
            Agreement.objects.create(
                kind="municipal",
                number=f"M{bank.pk}",
                bank=bank,
                agency=municipal(),
                bank_application=app,
                template=tpl_m,
                title="市级",
                body="正文",
            ),
            bank,
        )
        tag(LifecycleEvent.objects.create(at=timezone.now(), action="agreement.sign", bank=bank), bank)
        tag(
            Termination.objects.create(
                kind="bank_ended", agreement=ag, bank=bank, reason="终止", effective_date=today
            ),
            bank,
        )
    for k, o in outlets.items():
        b, d = keys[k]
        t = (b, d, o)
        app = tag(OutletApplication.objects.create(number=f"A{o.pk}", bank=b, district=d, outlet=o), *t)
        f = ApplicationFile(application=app, kind="photo", name="p.png", content_kind="png", size=10)
        f.file.save("p.png", ContentFile(png_bytes()), save=True)
        tag(f, *t)
        tag(LayoutException.objects.create(application=app, justification="理由"), *t)
        insp = tag(
            SiteInspection.objects.create(application=app, outlet=o, template=checklist, visit_date=today), *t
        )
        res = tag(InspectionResult.objects.create(inspection=insp, item=item, result="pass"), *t)
        ph = InspectionPhoto(result=res, name="x.png", content_kind="png", size=10)
        ph.file.save("x.png", ContentFile(png_bytes()), save=True)
        tag(ph, *t)
        ag = tag(
            Agreement.objects.create(
                kind="district",
                number=f"D{o.pk}",
                bank=b,
                agency=d,
                outlet=o,
                outlet_application=app,
                template=tpl_d,
                title="区级",
                body="正文",
                status="active",
                start_date=today,
                end_date=today + dt.timedelta(days=9),
                filing_due=today,
            ),
            *t,
        )
        tag(
            AgreementRenewal.objects.create(
                agreement=ag, term_no=2, previous_end=today, start_date=today, end_date=today
            ),
            *t,
        )
        tag(RenewalObjection.objects.create(agreement=ag, party="bank", reason="不续", term_end=today), *t)
        tag(
            Filing.objects.create(
                agreement=ag, outlet=o, district=d, due_date=today, submitted_at=timezone.now()
            ),
            *t,
        )
        plaque = tag(Plaque.objects.create(number=f"P{o.pk}", outlet=o, agreement=ag, issued_on=today), *t)
        tag(OpeningCheck.objects.create(outlet=o, district=d, bank=b, plaque=plaque, due_date=today), *t)
        tag(Suspension.objects.create(outlet=o, reason="暂停", starts_on=today), *t)
        term = tag(
            Termination.objects.create(
                kind="negotiated",
                agreement=ag,
                outlet=o,
                bank=b,
                district=d,
                reason="协商",
                effective_date=today,
            ),
            *t,
        )
        tag(OpenItem.objects.create(termination=term, outlet=o, kind="archives", description="档案"), *t)
        tag(
            OutletChangeRequest.objects.create(
                number=f"C{o.pk}",
                outlet=o,
                bank=b,
                district=d,
                reason="迁址",
                changes=[{"field": "windows", "label": "人工窗口数", "from": 1, "to": 2,
                          "from_text": "1", "to_text": "2"}],
            ),
            *t,
        )  # fmt: skip
        tag(
            LifecycleEvent.objects.create(
                at=timezone.now(), action="plaque.issue", outlet=o, bank=b, district=d
            ),
            *t,
        )
    users = {}
    for role in Role:
        level = LEVEL[role]
        if level == Level.ALL:
            users[role] = user_with_role(role, agency=municipal())
        elif level == Level.DISTRICT:
            users[role] = user_with_role(role, agency=home_d)
        elif level == Level.BANK:
            users[role] = user_with_role(role, bank=home_b)
        else:
            users[role] = user_with_role(role, outlet=outlets["home"])
    return {"users": users, "tags": tags, "outlets": outlets, "home_b": home_b, "home_d": home_d}


def expected(model: type, level: str, tag: tuple[Any, Any, Any], world: dict[str, Any]) -> bool:
    if level == Level.ALL:
        return True
    rule = model.SCOPE.get(level)  # type: ignore[attr-defined]
    if rule == "*":
        return True
    if rule is None:
        return False
    bank, dist, outlet = tag
    if level == Level.DISTRICT:
        return dist == world["home_d"]
    if level == Level.BANK:
        return bank == world["home_b"]
    return outlet == world["outlets"]["home"]


def test_every_scoped_model_of_the_app_is_walked_here() -> None:
    from django.apps import apps

    walked = {
        m.__name__
        for m in (
            *REFERENCE,
            BankApplication,
            Agreement,
            AgreementRenewal,
            RenewalObjection,
            OutletApplication,
            ApplicationFile,
            LayoutException,
            SiteInspection,
            InspectionResult,
            InspectionPhoto,
            OpeningCheck,
            Filing,
            Plaque,
            Suspension,
            Termination,
            OpenItem,
            LifecycleEvent,
            OutletChangeRequest,
        )
    }
    mine = {m.__name__ for m in apps.get_app_config("cooperation").get_models() if getattr(m, "SCOPE", None)}
    assert mine == walked


def _models_in_scope(world: dict[str, Any], role: Role) -> None:
    user = world["users"][role]
    level = LEVEL[role]
    for model in REFERENCE:
        assert scoped(model.objects.all(), user).count() == model.objects.count(), model.__name__
    for model, rows in world["tags"].items():
        seen = set(scoped(model.objects.all(), user).values_list("pk", flat=True))
        want = {pk for pk, tag in rows.items() if expected(model, level, tag, world)}
        assert seen == want, f"{model.__name__} for {role}"


def test_a_user_without_any_role_sees_nothing(world) -> None:  # type: ignore[no-untyped-def]
    from sheyin.accounts.tests.factories import UserFactory

    nobody = UserFactory()
    nobody.save()
    for model in world["tags"]:
        assert not scoped(model.objects.all(), nobody).exists(), model.__name__


PAGES = [
    "application_list",
    "agreement_list",
    "plaque_list",
    "termination_list",
    "inspection_list",
    "filing_list",
    "change_request_list",
]


@pytest.mark.parametrize("role", list(Role))
def test_models_lists_details_and_exports_stay_in_scope(client, world, role) -> None:  # type: ignore[no-untyped-def]
    _models_in_scope(world, role)
    user = world["users"][role]
    client.force_login(user)
    can_view = user.has_perm("cooperation.view")
    level = LEVEL[role]
    visible = {
        k
        for k, o in world["outlets"].items()
        if expected(OutletApplication, level, (o.bank, o.district, o), world)
    }
    for name in PAGES:
        resp = client.get(reverse(f"cooperation:{name}"))
        if not can_view:
            assert resp.status_code == 403, name
            continue
        body = resp.content.decode()
        for k, o in world["outlets"].items():
            if k not in visible:
                assert o.name not in body, f"{name}: {o.name}"
    if not can_view:
        return
    for k, o in world["outlets"].items():
        app = OutletApplication.objects.get(outlet=o)
        status = client.get(reverse("cooperation:application_detail", args=[app.pk])).status_code
        assert status == (200 if k in visible else 404), k
        plaque = Plaque.objects.get(outlet=o)
        status = client.get(reverse("cooperation:plaque_certificate", args=[plaque.pk])).status_code
        assert status == (200 if expected(Plaque, level, (o.bank, o.district, o), world) else 404), k
        cr = OutletChangeRequest.objects.get(outlet=o)
        status = client.get(reverse("cooperation:change_request_detail", args=[cr.pk])).status_code
        assert status == (200 if k in visible else 404), k
        check = client.get(
            reverse("cooperation:layout_check"),
            {"lon": o.lon, "lat": o.lat, "district": o.district_id, "outlet": o.pk},
        )
        assert check.status_code == (200 if k in visible else 404), k
        f = ApplicationFile.objects.get(application=app)
        status = client.get(reverse("cooperation:application_file", args=[f.pk])).status_code
        assert status == (200 if expected(ApplicationFile, level, (o.bank, o.district, o), world) else 404), k
    resp = client.get(reverse("cooperation:application_list"), {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))[1:]
    assert {r[1] for r in rows} == {world["outlets"][k].name for k in visible}
