"""A list's district, bank and outlet filters depend on each other (issue 18 item 3): the banks offered are
those with outlets in the chosen district, the outlets those of the chosen district and bank, always within
the user's scope; an outlet that does not fit the chosen district or bank is refused with 400."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common import listing
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal

pytestmark = pytest.mark.django_db

CASES = "casework:case_list"


@pytest.fixture
def world(reference):  # type: ignore[no-untyped-def]
    home_d, other_d = district("110105"), district("110108")
    home_b, other_b = BankFactory(short_name="本行"), BankFactory(short_name="他行")
    far_b = BankFactory(short_name="远方行")  # outlets in the other district only
    return {
        "home_d": home_d, "other_d": other_d, "home_b": home_b, "other_b": other_b, "far_b": far_b,
        "home_home": OutletFactory(bank=home_b, district=home_d, name="本行本区网点"),
        "home_other": OutletFactory(bank=home_b, district=other_d, name="本行他区网点"),
        "other_home": OutletFactory(bank=other_b, district=home_d, name="他行本区网点"),
        "other_other": OutletFactory(bank=other_b, district=other_d, name="他行他区网点"),
        "far_other": OutletFactory(bank=far_b, district=other_d, name="远方行他区网点"),
    }  # fmt: skip


def options(html: str, name: str) -> list[str]:
    """The labels a select offers (its 全部… first option and a disabled note left out)."""
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no {name} select"
    return re.findall(r'<option value="[^"]+"[^>]*>([^<]*)</option>', match.group(1))


def selected(html: str, name: str) -> list[str]:
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match
    return re.findall(r"<option [^>]*selected[^>]*>([^<]*)</option>", match.group(1))


@pytest.fixture
def municipal_client(client, world):  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal()))
    return client


def test_choosing_a_district_narrows_the_banks_and_outlets_offered(municipal_client, world) -> None:  # type: ignore[no-untyped-def]
    everything = municipal_client.get(reverse(CASES)).content.decode()
    assert set(options(everything, "bank")) == {"本行", "他行", "远方行"}
    assert len(options(everything, "outlet")) == 5

    resp = municipal_client.get(reverse(CASES), {"district": world["home_d"].pk})
    assert resp.status_code == 200
    page = resp.content.decode()
    assert set(options(page, "bank")) == {"本行", "他行"}  # 远方行 has no outlet in the district
    assert set(options(page, "outlet")) == {"本行本区网点", "他行本区网点"}
    assert len(options(page, "district")) == 16  # the districts themselves stay all on offer


def test_choosing_a_bank_narrows_the_outlets_with_or_without_a_district(municipal_client, world) -> None:  # type: ignore[no-untyped-def]
    page = municipal_client.get(reverse(CASES), {"bank": world["home_b"].pk}).content.decode()
    assert set(options(page, "outlet")) == {"本行本区网点", "本行他区网点"}
    page = municipal_client.get(
        reverse(CASES), {"district": world["other_d"].pk, "bank": world["home_b"].pk, "status": "accepted"}
    ).content.decode()
    assert options(page, "outlet") == ["本行他区网点"]
    assert selected(page, "bank") == ["本行"] and selected(page, "district") == ["海淀区"]


def test_an_outlet_that_does_not_fit_the_district_or_bank_is_refused(municipal_client, world) -> None:  # type: ignore[no-untyped-def]
    fits = {"district": world["home_d"].pk, "bank": world["home_b"].pk, "outlet": world["home_home"].pk}
    assert municipal_client.get(reverse(CASES), fits).status_code == 200
    for wrong in (
        {"district": world["home_d"].pk, "outlet": world["home_other"].pk},
        {"bank": world["home_b"].pk, "outlet": world["other_home"].pk},
        {**fits, "outlet": world["other_home"].pk},
    ):
        resp = municipal_client.get(reverse(CASES), wrong)
        assert resp.status_code == 400, wrong
        page = resp.content.decode()
        assert "所选网点不属于所选的区或银行" in page
        assert selected(page, "outlet") == []  # the refused outlet is not shown as chosen
        export = municipal_client.get(reverse(CASES), {**wrong, "export": "xlsx"})
        assert export.status_code == 400


def test_a_district_officer_is_offered_the_banks_and_outlets_of_the_district_only(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.DISTRICT_OFFICER, agency=world["home_d"]))
    page = client.get(reverse(CASES)).content.decode()
    assert 'name="district"' not in page
    assert set(options(page, "bank")) == {"本行", "他行"}
    page = client.get(reverse(CASES), {"bank": world["home_b"].pk}).content.decode()
    assert options(page, "outlet") == ["本行本区网点"]  # never the bank's outlet in another district
    # a bank without outlets in the district is what the list is filtered by: shown, with no outlet
    page = client.get(reverse(CASES), {"bank": world["far_b"].pk}).content.decode()
    assert selected(page, "bank") == ["远方行"] and options(page, "outlet") == []
    for foreign in ({"district": world["other_d"].pk}, {"outlet": world["far_other"].pk}):
        assert client.get(reverse(CASES), {"bank": world["home_b"].pk, **foreign}).status_code == 400


def test_a_long_outlet_list_is_capped_and_says_how_many_are_left_out(
    municipal_client, world, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(listing, "SCOPE_OPTIONS_CAP", 2)
    page = municipal_client.get(reverse(CASES)).content.decode()
    assert len(options(page, "outlet")) == 2
    assert "还有 3 项未列出，请先选择所在区或银行缩小范围。" in page
    last = world["far_other"]  # beyond the cap, yet chosen: offered and selected
    page = municipal_client.get(reverse(CASES), {"outlet": last.pk}).content.decode()
    assert selected(page, "outlet") == ["远方行他区网点"]
    page = municipal_client.get(reverse(CASES), {"district": world["home_d"].pk}).content.decode()
    assert "未列出" not in page
