"""Identifier validators never raise and give a Chinese reason (python-stdnum, not stdnum.cn.ric)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sheyin.common.identifiers import check_id_number, check_uscc, make_id_number, make_uscc
from sheyin.common.masking import mask_id_number


def test_a_valid_yanqing_id_number_with_the_new_code_110119_is_accepted() -> None:
    number = make_id_number("11011919900307123")
    assert check_id_number(number).ok


def test_an_id_number_with_address_code_340524_is_accepted() -> None:
    assert check_id_number(make_id_number("34052419800101001")).ok


def test_a_wrong_check_digit_is_refused_with_a_reason() -> None:
    good = make_id_number("11010119900307123")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert check_id_number(bad).error == "身份证号码校验位错误。"


def test_an_impossible_birth_date_is_refused() -> None:
    assert "出生日期" in (check_id_number(make_id_number("11010119901332123")).error or "")


@given(st.one_of(st.text(), st.none(), st.integers(), st.binary()))
def test_validators_never_raise_on_any_input(value) -> None:  # type: ignore[no-untyped-def]
    assert check_id_number(value).ok in (True, False)
    assert check_uscc(value).ok in (True, False)


def test_a_generated_credit_code_validates() -> None:
    assert check_uscc(make_uscc("91110000123456789")).ok


def test_masking_keeps_region_and_last_four_only() -> None:
    assert mask_id_number("11010119900307123X") == "110101********123X"
