"""Searching cases: one exact, indexed key (receipt number, or ID number through its blind index, R9.3),
never a substring scan; the case list uses it inside the user's scope and pages in a bounded number of
queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.casework import selectors, services
from sheyin.casework.models import Case

from .factories import WINDOW_ITEM, accepted, person, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cases(reference):  # type: ignore[no-untyped-def]
    w = world()
    first = services.case_submit(case=accepted(w, WINDOW_ITEM), by=w.staff)
    w.applicant = person(2)
    second = services.case_submit(case=accepted(w, WINDOW_ITEM), by=w.staff)
    return w, first, second


def test_it_finds_a_case_by_its_exact_receipt_number(two_cases) -> None:  # type: ignore[no-untyped-def]
    _w, first, _second = two_cases
    found = selectors.case_search(Case.objects.all(), f"  {first.receipt_no} ")
    assert list(found) == [first]


def test_it_finds_a_persons_cases_by_id_number_through_the_blind_index(two_cases) -> None:  # type: ignore[no-untyped-def]
    w, _first, second = two_cases
    found = selectors.case_search(Case.objects.all(), w.applicant.id_number.lower())
    assert list(found) == [second]


def test_it_does_not_match_part_of_a_receipt_number(two_cases) -> None:  # type: ignore[no-untyped-def]
    _w, first, _second = two_cases
    assert not selectors.case_search(Case.objects.all(), first.receipt_no[:-2]).exists()


def test_it_does_not_match_the_masked_id_number(two_cases) -> None:  # type: ignore[no-untyped-def]
    _w, first, _second = two_cases
    assert not selectors.case_search(Case.objects.all(), first.applicant_masked).exists()


def test_an_empty_query_leaves_the_list_as_it_is(two_cases) -> None:  # type: ignore[no-untyped-def]
    qs = Case.objects.all()
    assert selectors.case_search(qs, "  ") is qs


def test_the_search_is_one_indexed_equality_not_a_substring_scan(two_cases) -> None:  # type: ignore[no-untyped-def]
    w, first, _second = two_cases
    by_receipt = str(selectors.case_search(Case.objects.all(), first.receipt_no).query)
    by_id = str(selectors.case_search(Case.objects.all(), w.applicant.id_number).query)
    assert "LIKE" not in by_receipt.upper() and "LIKE" not in by_id.upper()
    assert "applicant_index" in by_id and w.applicant.id_number not in by_id


def test_the_case_list_searches_by_receipt_number_within_scope(client, two_cases) -> None:  # type: ignore[no-untyped-def]
    w, first, second = two_cases
    client.force_login(w.manager)
    page = client.get(reverse("casework:case_list"), {"q": first.receipt_no})
    assert page.status_code == 200
    body = page.content.decode()
    assert reverse("casework:case_detail", args=[first.pk]) in body
    assert reverse("casework:case_detail", args=[second.pk]) not in body


def test_the_case_list_refuses_to_find_another_outlets_case(client, two_cases) -> None:  # type: ignore[no-untyped-def]
    _w, first, _second = two_cases
    other = world(code="110108")
    client.force_login(other.manager)
    page = client.get(reverse("casework:case_list"), {"q": first.receipt_no})
    assert page.status_code == 200
    assert reverse("casework:case_detail", args=[first.pk]) not in page.content.decode()


def test_the_case_list_pages_in_a_bounded_number_of_queries(  # type: ignore[no-untyped-def]
    client, two_cases, django_assert_max_num_queries
) -> None:
    w, _first, _second = two_cases
    for n in range(3, 8):
        w.applicant = person(n)
        services.case_submit(case=accepted(w, WINDOW_ITEM), by=w.staff)
    client.force_login(w.manager)
    # a constant cost besides the rows: the district/bank/outlet filters ask how many records the scope offers
    with django_assert_max_num_queries(18):
        page = client.get(reverse("casework:case_list"))
    assert page.status_code == 200
