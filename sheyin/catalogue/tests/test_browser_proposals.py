"""In a real browser (R10.2): a bank proposes a service, the municipal officer gives the first opinion, a
municipal administrator accepts it, the officer carries it into a new catalogue draft, and the bank sees
the outcome on its list."""

from __future__ import annotations

import pytest

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import PASSWORD, user_with_role
from sheyin.catalogue.models import ServiceItem, ServiceProposal
from sheyin.institutions.tests.factories import BankFactory

from .factories import admin, officer


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_bank_proposal_goes_through_review_into_the_draft(page, live_server, login_as, reference) -> None:  # type: ignore[no-untyped-def]
    bank_admin = user_with_role(Role.BANK_ADMIN, bank=BankFactory(), username="proposing_bank")
    off, adm = officer(username="muni_reviewer"), admin(username="muni_decider")
    url = live_server.url

    login_as(bank_admin.username, PASSWORD)
    page.goto(url + "/catalogue/proposals/")
    page.get_by_role("link", name="提出建议").click()
    page.fill("#id_title", "电子社保卡亮码服务指导")
    page.select_option("#id_category", "card")
    page.select_option("#id_audience", "individual")
    page.check("input[name=channels][value=O]")
    page.fill("#id_description", "指导群众在网点开通电子社保卡并使用亮码服务。")
    page.fill("#id_reasons", "到网点咨询电子社保卡的群众多，网点有网厅自助区。")
    page.fill("#id_expected_volume", "50000")
    page.get_by_role("button", name="提交建议").click()
    page.wait_for_load_state("networkidle")
    assert "建议已提交" in page.content() and "待初审" in page.content()
    p = ServiceProposal.objects.get()
    page.context.clear_cookies()

    login_as(off.username, PASSWORD)
    page.goto(url + f"/catalogue/proposals/{p.pk}/")
    page.select_option("#id_review-recommend", "1")
    page.fill("#id_review-opinion", "高频需求，网点具备网厅自助条件，风险可控。")
    page.get_by_role("button", name="提出初审意见").click()
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()

    login_as(adm.username, PASSWORD)
    page.goto(url + f"/catalogue/proposals/{p.pk}/")
    page.fill("#id_accept-note", "同意纳入下一版清单")
    page.get_by_role("button", name="采纳", exact=True).click()
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()

    login_as(off.username, PASSWORD)
    page.goto(url + f"/catalogue/proposals/{p.pk}/")
    page.get_by_role("link", name="纳入清单草稿").click()
    assert page.input_value("#id_name") == "电子社保卡亮码服务指导"
    page.fill("#id_code", "SY-C-201")
    page.get_by_role("button", name="纳入清单草稿").click()
    page.wait_for_load_state("networkidle")
    p.refresh_from_db()
    assert p.status == "carried" and ServiceItem.objects.filter(version=p.version, code="SY-C-201").exists()
    page.context.clear_cookies()

    login_as(bank_admin.username, PASSWORD)
    page.goto(url + "/catalogue/proposals/")
    assert "已纳入清单草稿" in page.locator("table").inner_text()
