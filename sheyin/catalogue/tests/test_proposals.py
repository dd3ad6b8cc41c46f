"""Service proposals (R10.2, R7.5): a bank, a district or a consultation proposes a service with reasons and
expected volume; the municipal center reviews it (first opinion by an officer, decision by an administrator
who took no part: maker–checker), can carry it into the next catalogue draft, and the proposer follows it
to the outcome."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.catalogue import proposals, selectors, services
from sheyin.catalogue.models import ServiceItem, ServiceProposal
from sheyin.catalogue.workflow import MakerCheckerError, ProposalStatus, Status, TransitionError
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district
from sheyin.notifications.models import Notification

from .factories import admin, item_data, officer

pytestmark = pytest.mark.django_db

DATA = {
    "title": "社保卡金融账户激活指导",
    "category": "card",
    "audience": "individual",
    "channels": ["T", "W"],
    "description": "持卡人在合作网点自助终端或窗口激活第三代社保卡的金融账户，经办人员现场指导。",
    "reasons": "持卡人到网点咨询激活的很多，网点有终端和窗口，风险可控。",
    "expected_volume": 120000,
    "volume_basis": "本行2026年前三季度相关咨询约9万次",
    "materials": "社会保障卡\n居民身份证",
    "legal_basis": "",
}


@pytest.fixture
def people(reference):  # type: ignore[no-untyped-def]
    bank = BankFactory()
    return {
        "bank": bank,
        "bank_admin": user_with_role(Role.BANK_ADMIN, bank=bank),
        "district_officer": user_with_role(Role.DISTRICT_OFFICER, agency=district("110105")),
        "officer": officer(),
        "admin": admin(),
        "admin2": admin(),
    }


def test_a_bank_proposes_a_service_and_the_municipal_officers_are_told(people) -> None:  # type: ignore[no-untyped-def]
    p = proposals.proposal_submit(data=DATA, by=people["bank_admin"])
    assert (p.status, p.origin, p.bank, p.agency, p.channels) == (
        "submitted",
        "bank",
        people["bank"],
        None,
        "TW",
    )
    assert p.number.startswith(f"JY{timezone.localdate():%Y%m%d}") and p.expected_volume == 120000
    assert p.events.get().action == "submit"
    assert AuditEvent.objects.filter(action="proposal.submit", object_id=str(p.pk)).exists()
    assert Notification.objects.filter(user=people["officer"], kind="task", title__contains=p.title).exists()


def test_a_proposal_needs_a_title_channels_reasons_and_a_volume(people) -> None:  # type: ignore[no-untyped-def]
    bad = {**DATA, "title": " ", "channels": [], "reasons": "需要", "expected_volume": 0, "category": "x"}
    with pytest.raises(ValidationError) as err:
        proposals.proposal_submit(data=bad, by=people["bank_admin"])
    assert set(err.value.message_dict) == {"title", "channels", "reasons", "expected_volume", "category"}
    assert not ServiceProposal.objects.exists()


def test_outlets_cannot_propose_and_the_municipal_center_proposes_only_through_a_consultation(people) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        proposals.proposal_submit(data=DATA, by=user_with_role(Role.OUTLET_MANAGER, outlet=OutletFactory()))
    with pytest.raises(NotAllowed, match="会商"):
        proposals.proposal_submit(data=DATA, by=people["admin"])
    assert not ServiceProposal.objects.exists()


def test_returned_resubmitted_reviewed_accepted_carried_and_published(people) -> None:  # type: ignore[no-untyped-def]
    bank_admin, off, adm = people["bank_admin"], people["officer"], people["admin"]
    p = proposals.proposal_submit(data=DATA, by=bank_admin)
    with pytest.raises(ValidationError):
        proposals.proposal_return(proposal=p, reason=" ", by=off)
    p = proposals.proposal_return(proposal=p, reason="请补充测算依据中各网点的分布情况", by=off)
    assert p.status == "returned"
    assert Notification.objects.filter(user=bank_admin, title__contains="退回补充").exists()
    p = proposals.proposal_resubmit(
        proposal=p, by=bank_admin, data={**DATA, "volume_basis": "朝阳、海淀网点占六成"}
    )
    assert p.status == "submitted" and p.volume_basis == "朝阳、海淀网点占六成"
    with pytest.raises(ValidationError) as err:
        proposals.proposal_review(proposal=p, recommend=None, opinion="", by=off)
    assert set(err.value.message_dict) == {"recommend", "opinion"}
    p = proposals.proposal_review(proposal=p, recommend=True, opinion="高频、风险可控，网点具备条件", by=off)
    assert (p.status, p.reviewed_by) == ("reviewed", off)
    p = proposals.proposal_decide(proposal=p, accept=True, note="同意纳入下一版清单", by=adm)
    assert (p.status, p.decided_by) == ("accepted", adm)
    assert Notification.objects.filter(user=bank_admin, title__contains="已采纳").exists()
    # carried into a new draft (none was open), as an item made by the catalogue's own service
    p = proposals.proposal_carry(proposal=p, by=off, item=item_data(code="SY-C-101", name=p.title, category="card",
                                                                   channels=["T", "W"], materials=p.materials))  # fmt: skip
    draft = p.version
    assert (p.status, p.item_code, draft.status) == ("carried", "SY-C-101", Status.DRAFT)
    assert ServiceItem.objects.filter(version=draft, code="SY-C-101", name=p.title).exists()
    # the draft goes through its own maker–checker publication; the proposal follows it
    services.version_publish(version=services.version_submit(version=draft, by=off), by=people["admin2"])
    p.refresh_from_db()
    assert p.status == "published" and p.published_at is not None
    assert Notification.objects.filter(user=bank_admin, title__contains="已列入服务事项清单").exists()
    assert list(p.events.values_list("action", flat=True)) == [
        "submit", "return", "resubmit", "review", "accept", "carry", "publish"]  # fmt: skip
    assert Notification.objects.filter(
        user=people["district_officer"], title__contains="请指导辖内网点"
    ).exists()


def test_a_rejection_gives_its_reason_to_the_proposer(people) -> None:  # type: ignore[no-untyped-def]
    p = proposals.proposal_submit(data=DATA, by=people["bank_admin"])
    p = proposals.proposal_review(
        proposal=p, recommend=False, opinion="涉及资金安全，风险不可控", by=people["officer"]
    )
    with pytest.raises(ValidationError, match="须说明理由"):
        proposals.proposal_decide(proposal=p, accept=False, note="", by=people["admin"])
    p = proposals.proposal_decide(proposal=p, accept=False, note="金融账户激活属银行业务，不纳入社保服务清单",
                                  by=people["admin"])  # fmt: skip
    assert p.status == "rejected"
    n = Notification.objects.get(user=people["bank_admin"], title__contains="不予采纳")
    assert "不纳入社保服务清单" in n.body
    with pytest.raises(TransitionError):
        proposals.proposal_carry(proposal=p, item=item_data(), by=people["officer"])


def test_maker_checker_nobody_checks_what_they_proposed_or_reviewed(people) -> None:  # type: ignore[no-untyped-def]
    from sheyin.supervision import services as supervision

    muni_officer, muni_admin = people["officer"], people["admin"]
    c = supervision.consultation_record(agency=muni_officer.assignments.get().agency, bank=people["bank"],
                                        title="季度会商", held_at=timezone.now(), attendees="市中心、银行",
                                        actions=[{"description": "新增社保卡激活指导", "owner": "市中心",
                                                  "due_date": timezone.localdate()}], by=muni_admin)  # fmt: skip
    action = c.actions.get()
    p = proposals.proposal_submit(data=DATA, consultation_action=action, by=muni_admin)
    assert (p.origin, p.agency, p.bank) == ("consultation", c.agency, people["bank"])
    p = proposals.proposal_review(proposal=p, recommend=True, opinion="可行", by=muni_officer)
    with pytest.raises(MakerCheckerError):  # the administrator proposed it
        proposals.proposal_decide(proposal=p, accept=True, note="", by=muni_admin)
    with pytest.raises(PermissionDenied):  # the officer reviewed it, and decides nothing anyway
        proposals.proposal_decide(proposal=p, accept=True, note="", by=muni_officer)
    assert (
        proposals.proposal_decide(proposal=p, accept=True, note="", by=people["admin2"]).status == "accepted"
    )
    second = proposals.proposal_submit(data=DATA, by=people["bank_admin"])
    ServiceProposal.objects.filter(pk=second.pk).update(
        proposed_by=muni_officer
    )  # (as through a consultation)
    with pytest.raises(MakerCheckerError):
        proposals.proposal_review(proposal=second, recommend=True, opinion="可行", by=muni_officer)
    with pytest.raises(ValidationError, match="已提出过"):
        proposals.proposal_submit(data=DATA, consultation_action=action, by=people["admin2"])


def test_scope_each_party_sees_its_own_and_the_municipal_center_all(people) -> None:  # type: ignore[no-untyped-def]
    mine = proposals.proposal_submit(data=DATA, by=people["bank_admin"])
    theirs = proposals.proposal_submit(data=DATA, by=people["district_officer"])
    other_bank = user_with_role(Role.BANK_ADMIN, bank=BankFactory())
    other_district = user_with_role(Role.DISTRICT_ADMIN, agency=district("110108"))
    assert set(selectors.proposals_for(people["bank_admin"])) == {mine}
    assert set(selectors.proposals_for(people["district_officer"])) == {theirs}
    assert set(selectors.proposals_for(people["officer"])) == {mine, theirs}
    assert (
        not selectors.proposals_for(other_bank).exists()
        and not selectors.proposals_for(other_district).exists()
    )
    with pytest.raises(PermissionDenied):
        proposals.proposal_withdraw(proposal=mine, reason="", by=other_bank)
    assert (
        proposals.proposal_withdraw(proposal=mine, reason="内部调整", by=people["bank_admin"]).status
        == "withdrawn"
    )


def test_carrying_fails_cleanly_and_a_lost_item_sends_the_proposal_back(people) -> None:  # type: ignore[no-untyped-def]
    off = people["officer"]
    p = proposals.proposal_submit(data=DATA, by=people["bank_admin"])
    p = proposals.proposal_review(proposal=p, recommend=True, opinion="可行", by=off)
    p = proposals.proposal_decide(proposal=p, accept=True, note="", by=people["admin"])
    with pytest.raises(ValidationError) as err:  # the catalogue's own checks apply
        proposals.proposal_carry(proposal=p, item=item_data(code="BAD", name=p.title), by=off)
    assert "code" in err.value.message_dict
    p.refresh_from_db()
    assert p.status == "accepted" and p.version is None
    # carried, then the item is deleted from the draft: back to accepted
    p = proposals.proposal_carry(proposal=p, item=item_data(code="SY-C-101", name=p.title), by=off)
    services.item_delete(item=ServiceItem.objects.get(version=p.version, code="SY-C-101"), by=off)
    p.refresh_from_db()
    assert (p.status, p.item_code) == ("accepted", "")
    # carried again, then the draft is discarded: back to accepted
    p = proposals.proposal_carry(proposal=p, item=item_data(code="SY-C-101", name=p.title), by=off)
    services.version_discard(version=p.version, reason="重新编制", by=off)
    p.refresh_from_db()
    assert p.status == "accepted" and list(p.events.values_list("action", flat=True))[-1] == "uncarry"
    # a version in review takes no new item
    draft = services.version_create_draft(by=off)
    services.item_create(version=draft, data=item_data(code="SY-Q-109", name="另一事项"), by=off)
    services.version_submit(version=draft, by=off)
    with pytest.raises(ValidationError, match="正在审核"):
        proposals.proposal_carry(proposal=p, item=item_data(code="SY-C-101", name=p.title), by=off)
    with pytest.raises(PermissionDenied):
        proposals.proposal_carry(
            proposal=p, item=item_data(code="SY-C-101", name=p.title), by=people["admin"]
        )


def test_an_item_renamed_in_the_draft_keeps_its_proposal(people) -> None:  # type: ignore[no-untyped-def]
    off = people["officer"]
    p = proposals.proposal_submit(data=DATA, by=people["bank_admin"])
    p = proposals.proposal_review(proposal=p, recommend=True, opinion="可行", by=off)
    p = proposals.proposal_decide(proposal=p, accept=True, note="", by=people["admin"])
    p = proposals.proposal_carry(proposal=p, item=item_data(code="SY-C-101", name=p.title), by=off)
    services.item_update(item=ServiceItem.objects.get(version=p.version, code="SY-C-101"), data={"code": "SY-C-102"},
                         by=off)  # fmt: skip
    services.version_publish(version=services.version_submit(version=p.version, by=off), by=people["admin"],
                             effective_from=timezone.now() + dt.timedelta(days=1))  # fmt: skip
    p.refresh_from_db()
    assert (p.status, p.item_code) == (ProposalStatus.PUBLISHED, "SY-C-102")
