"""Service proposals as each party meets them in pages (R10.2): the bank proposes and follows it, the
municipal officer returns or reviews, the administrator decides, the officer carries it into the draft; a
district proposes from a consultation's agreed action."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.catalogue.models import ServiceItem, ServiceProposal
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district

from .factories import admin, officer

pytestmark = pytest.mark.django_db

FORM = {"title": "电子社保卡亮码服务指导", "category": "card", "audience": "individual", "channels": ["O", "W"],
        "description": "指导群众在网点开通电子社保卡并使用亮码服务。", "reasons": "到网点咨询电子社保卡的群众多，网点有网厅自助区。",
        "expected_volume": "50000", "volume_basis": "", "materials": "居民身份证", "legal_basis": ""}  # fmt: skip


@pytest.fixture
def world(reference):  # type: ignore[no-untyped-def]
    bank = BankFactory()
    return {"bank_admin": user_with_role(Role.BANK_ADMIN, bank=bank), "officer": officer(), "admin": admin(),
            "district": user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))}  # fmt: skip


def test_the_bank_proposes_and_the_municipal_center_takes_it_to_the_draft(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world["bank_admin"])
    assert "提出建议" in client.get(reverse("catalogue:proposal_list")).content.decode()
    resp = client.post(reverse("catalogue:proposal_new"), {**FORM, "reasons": "短"})
    assert resp.status_code == 200 and "至少10个字" in resp.content.decode()
    resp = client.post(reverse("catalogue:proposal_new"), FORM)
    p = ServiceProposal.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse("catalogue:proposal_detail", args=[p.pk])
    url = reverse("catalogue:proposal_detail", args=[p.pk])
    html = client.get(url).content.decode()
    assert "待初审" in html and "50000件" in html and "撤回建议" in html  # the bank waits, or withdraws
    assert 'value="review"' not in html and 'value="accept"' not in html
    assert (
        client.post(url, {"step": "review", "review-recommend": "1", "review-opinion": "x"}).status_code
        == 403
    )

    client.force_login(world["officer"])
    html = client.get(url).content.decode()
    assert "提出初审意见" in html and "退回补充" in html and "采纳</button>" not in html
    resp = client.post(url, {"step": "review", "review-recommend": "1", "review-opinion": ""})
    assert resp.status_code == 200 and "invalid-feedback" in resp.content.decode()
    client.post(url, {"step": "review", "review-recommend": "1", "review-opinion": "高频需求，网点具备条件"})
    p.refresh_from_db()
    assert p.status == "reviewed"

    client.force_login(world["admin"])
    html = client.get(url).content.decode()
    assert "采纳</button>" in html and "不予采纳</button>" in html
    client.post(url, {"step": "accept", "accept-note": "同意"})
    p.refresh_from_db()
    assert p.status == "accepted"

    client.force_login(world["officer"])
    assert reverse("catalogue:proposal_carry", args=[p.pk]) in client.get(url).content.decode()
    carry = reverse("catalogue:proposal_carry", args=[p.pk])
    html = client.get(carry).content.decode()
    assert 'value="电子社保卡亮码服务指导"' in html and "新建一版草稿" in html
    resp = client.post(carry, {"code": "SY-C-201", "name": p.title, "category": "card", "audience": "individual",
                               "channels": ["O", "W"], "time_limit_days": "0", "risk": "low",
                               "materials": "居民身份证", "legal_basis": "", "guide": "<p>指导开通</p>"})  # fmt: skip
    assert resp.status_code == 302
    p.refresh_from_db()
    assert p.status == "carried" and ServiceItem.objects.filter(version=p.version, code="SY-C-201").exists()

    client.force_login(world["bank_admin"])
    html = client.get(url).content.decode()
    assert "已纳入清单草稿" in html and "SY-C-201" in html
    assert p.number in client.get(reverse("catalogue:proposal_list")).content.decode()


def test_a_returned_proposal_is_completed_by_the_bank(client, world) -> None:  # type: ignore[no-untyped-def]
    from sheyin.catalogue import proposals

    p = proposals.proposal_submit(data={**FORM, "channels": ["O"]}, by=world["bank_admin"])
    client.force_login(world["officer"])
    url = reverse("catalogue:proposal_detail", args=[p.pk])
    client.post(url, {"step": "return", "return-reason": "请补充办件量测算依据"})
    client.force_login(world["bank_admin"])
    html = client.get(url).content.decode()
    assert "请补充办件量测算依据" in html and reverse("catalogue:proposal_edit", args=[p.pk]) in html
    edit = reverse("catalogue:proposal_edit", args=[p.pk])
    assert "需要补充" in client.get(edit).content.decode()
    assert client.post(edit, {**FORM, "volume_basis": "2026年咨询台账"}).status_code == 302
    p.refresh_from_db()
    assert p.status == "submitted" and p.volume_basis == "2026年咨询台账" and p.channels == "OW"
    client.force_login(world["district"])  # not the proposer's organisation: not even found
    assert client.get(edit).status_code == 404


def test_outlets_cannot_open_proposals_and_the_municipal_center_has_no_direct_form(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.OUTLET_MANAGER, outlet=OutletFactory()))
    assert client.get(reverse("catalogue:proposal_list")).status_code == 403
    client.force_login(world["officer"])
    assert "提出建议</a>" not in client.get(reverse("catalogue:proposal_list")).content.decode()
    assert client.get(reverse("catalogue:proposal_new")).status_code == 403


def test_a_district_proposes_from_a_consultation_action(client, world) -> None:  # type: ignore[no-untyped-def]
    from sheyin.supervision import services as supervision

    head = user_with_role(Role.DISTRICT_ADMIN, agency=district("110105"))
    bank = world["bank_admin"].assignments.get().bank
    c = supervision.consultation_record(agency=district("110105"), bank=bank, title="第四季度会商",
                                        held_at=timezone.now(), attendees="区中心、银行",
                                        actions=[{"description": "建议新增电子社保卡亮码指导", "owner": "区中心",
                                                  "due_date": timezone.localdate()}], by=head)  # fmt: skip
    action = c.actions.get()
    page = reverse("supervision:consultation_detail", args=[c.pk])
    client.force_login(world["district"])
    assert f"?action={action.pk}" in client.get(page).content.decode()
    new = reverse("catalogue:proposal_new") + f"?action={action.pk}"
    html = client.get(new).content.decode()
    assert "来自会商“第四季度会商”的议定事项" in html and 'value="建议新增电子社保卡亮码指导"' in html
    resp = client.post(new, {**FORM, "consultation_action": action.pk})
    p = ServiceProposal.objects.get()
    assert resp.status_code == 302 and (p.origin, p.agency_id, p.bank_id) == (
        "consultation",
        c.agency_id,
        bank.pk,
    )
    html = client.get(page).content.decode()
    assert p.number in html and "据此提出服务事项建议" not in html
    # the bank that took part follows it; a district elsewhere cannot use the action
    client.force_login(world["bank_admin"])
    assert client.get(reverse("catalogue:proposal_detail", args=[p.pk])).status_code == 200
    client.force_login(user_with_role(Role.DISTRICT_OFFICER, agency=district("110108")))
    assert client.get(new).status_code == 403
