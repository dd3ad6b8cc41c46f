"""In the browser: a municipal officer picks a district on a list and the bank and outlet selects narrow to
it at once, the other filters kept and an outlet of another district let go (issue 18 item 3)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import PASSWORD, user_with_role
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def labels(page, selector: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.strip() for t in page.locator(f"{selector} option:not([value=''])").all_inner_texts()]


def test_picking_a_district_narrows_the_bank_and_outlet_options(
    page, live_server, login_as, reference
) -> None:  # type: ignore[no-untyped-def]
    chaoyang, haidian = district("110105"), district("110108")
    icbc, ccb, far = (BankFactory(short_name=n) for n in ("工商银行", "建设银行", "北京银行"))
    OutletFactory(bank=icbc, district=chaoyang, name="工行朝阳支行")
    OutletFactory(bank=ccb, district=chaoyang, name="建行朝阳支行")
    haidian_outlet = OutletFactory(bank=icbc, district=haidian, name="工行海淀支行")
    OutletFactory(bank=far, district=haidian, name="北京银行海淀支行")
    officer = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())
    login_as(officer.username, PASSWORD)

    page.goto(live_server.url + "/casework/cases/?status=completed")
    assert len(labels(page, "#f-outlet")) == 4
    page.select_option("#f-outlet", str(haidian_outlet.pk))
    page.wait_for_url(lambda url: f"outlet={haidian_outlet.pk}" in url)

    page.select_option("#f-district", label="朝阳区")
    expect(page.locator("#f-outlet option:not([value=''])")).to_have_count(2)
    assert labels(page, "#f-outlet") == ["工行朝阳支行", "建行朝阳支行"]
    assert labels(page, "#f-bank") == ["工商银行", "建设银行"]  # 北京银行 has no outlet in 朝阳区
    assert page.locator("#f-outlet").input_value() == ""  # the 海淀 outlet no longer fits: 全部网点
    page.wait_for_url(lambda url: f"district={chaoyang.pk}" in url)  # the list asked again
    query = parse_qs(urlparse(page.url).query)
    assert query["status"] == ["completed"] and query["district"] == [str(chaoyang.pk)]
    assert not query.get("outlet")
    assert page.locator(".alert-danger").count() == 0  # the list was never asked with a stale outlet

    page.select_option("#f-bank", label="建设银行")
    expect(page.locator("#f-outlet option:not([value=''])")).to_have_count(1)
    assert labels(page, "#f-outlet") == ["建行朝阳支行"]
