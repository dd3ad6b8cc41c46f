"""Sortable column headers (issue 18 item 3): every declared sort key of every list answers, ascending and
descending, with its header marked when it has one; an undeclared key is a malformed query (400 with the field's message);
equal sort values keep one order (the primary key last) and empty values come last; the sort survives paging, filtering and export.

The order each key gives is tested with each list family (`tests/test_list_sorting.py` of the apps)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db.models import QuerySet
from django.test import RequestFactory
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common.listing import ListSpec, apply
from sheyin.common.models import ExportJob
from sheyin.common.tests.test_list_queries import list_urls
from sheyin.institutions.models import Outlet
from sheyin.institutions.tests.factories import BankFactory, BranchFactory, OutletFactory, district, municipal

pytestmark = pytest.mark.django_db

# The lists whose table headers sort (the outlets and cases lists had it first).
SORTED_LISTS = (
    "institutions:outlet_list", "casework:case_list", "staffing:grant_list", "casework:handover_list",
    "support:ticket_list", "ratings:list", "ratings:bad_list", "supervision:plan_list",
    "supervision:rectification_list", "supervision:finding_list", "supervision:appraisal_list", "supervision:consultation_list",
    "cooperation:agreement_list", "cooperation:filing_list", "cooperation:application_list", "accounts:user_list",
    "cooperation:inspection_list", "cooperation:bank_application_list", "cooperation:termination_list",
    "cooperation:change_request_list", "cooperation:plaque_list", "staffing:staff_list", "staffing:session_list",
    "staffing:exam_list", "institutions:bank_list", "kiosk:terminal_list", "kiosk:query_list", "supervision:talk_list",
    "supervision:self_inspection_list", "casework:archive_list", "casework:guided_list", "audit:list", "api:client_list",
    "support:guidance_list", "catalogue:version_list", "catalogue:proposal_list",
)  # fmt: skip
# The lists only another role than the municipal administrator sees.
OTHER_ROLE = {"accounts:user_list": Role.SYSTEM_ADMIN, "audit:list": Role.AUDIT_ADMIN}


def spec_of(view: Any) -> ListSpec:
    return view.list_specs[0]


@pytest.fixture
def admin(reference):  # type: ignore[no-untyped-def]
    OutletFactory(bank=BankFactory(short_name="本行"), district=district("110105"))
    return user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())


def test_the_main_lists_declare_sort_keys() -> None:
    views = dict(list_urls())
    assert [name for name in SORTED_LISTS if not spec_of(views[name]).sorts] == []


def test_every_sort_key_of_every_list_answers_both_ways_with_its_header_marked(client, admin) -> None:  # type: ignore[no-untyped-def]
    others = {name: user_with_role(role, agency=municipal()) for name, role in OTHER_ROLE.items()}
    problems = []
    for name, view in list_urls():
        client.force_login(others.get(name, admin))
        for key in spec_of(view).sorts:
            for value, state in ((key, "ascending"), (f"-{key}", "descending")):
                resp = client.get(reverse(name), {"sort": value})
                if resp.status_code == 403:  # a list of another role (a district's inbox)
                    continue
                if resp.status_code != 200:
                    problems.append(f"{name} ?sort={value}: {resp.status_code}")
                elif (
                    name in SORTED_LISTS and key in headers(resp) and f'aria-sort="{state}"' not in text(resp)
                ):
                    problems.append(f"{name} ?sort={value}: header not marked {state}")
    assert problems == []


def text(resp: Any) -> str:
    return str(resp.content.decode())


def headers(resp: Any) -> set[str]:
    """The sort keys the page's column headers link to."""
    return set(
        re.findall(
            r'<th scope="col" aria-sort="\w+"[^>]*><a [^>]*href="\?[^"]*sort=-?(\w+)', resp.content.decode()
        )
    )


def test_an_undeclared_sort_key_is_refused_with_the_fields_message(client, admin) -> None:  # type: ignore[no-untyped-def]
    others = {name: user_with_role(role, agency=municipal()) for name, role in OTHER_ROLE.items()}
    for name in SORTED_LISTS:
        client.force_login(others.get(name, admin))
        for value in ("password", "-outlet__bank__name", "pk;drop"):
            resp = client.get(reverse(name), {"sort": value})
            assert resp.status_code == 400, (name, value)
            assert "排序" in resp.content.decode(), (name, value)


def test_equal_sort_values_are_ordered_by_the_primary_key(reference) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    outlets = [OutletFactory(bank=bank, district=district("110105")) for _ in range(3)]
    spec = ListSpec(sorts={"bank": "bank__name"}, order_by=("district__code",))
    user = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())

    def ordered(query: dict[str, str]) -> QuerySet:
        request = RequestFactory().get("/", query)
        request.user = user
        return apply(Outlet.objects.filter(pk__in=[o.pk for o in outlets]), request, spec)

    by_bank = ordered({"sort": "bank"})
    assert [o.pk for o in by_bank] == sorted((o.pk for o in outlets), reverse=True)  # all equal: by pk
    assert [o.pk for o in ordered({"sort": "-bank"})] == [o.pk for o in by_bank]
    assert str(by_bank.query.order_by[-1]) == "-pk" and str(ordered({}).query.order_by[-1]) == "-pk"


def test_empty_values_come_last_both_ways(reference) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    outlets = [
        OutletFactory(bank=bank, district=district("110105"), branch=branch)
        for branch in (None, BranchFactory(bank=bank, name="A支行"), BranchFactory(bank=bank, name="B支行"))
    ]
    spec = ListSpec(sorts={"branch": "branch__name"})
    user = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())

    def ordered(sort: str) -> list[int]:
        request = RequestFactory().get("/", {"sort": sort})
        request.user = user
        return [o.pk for o in apply(Outlet.objects.filter(pk__in=[o.pk for o in outlets]), request, spec)]

    assert ordered("branch") == [outlets[1].pk, outlets[2].pk, outlets[0].pk]
    assert ordered("-branch") == [outlets[2].pk, outlets[1].pk, outlets[0].pk]


def test_the_sort_is_kept_across_pages_filters_and_export(client, admin, settings) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    for _ in range(2):
        OutletFactory(bank=bank, district=district("110105"))
    client.force_login(admin)
    hidden = '<input type="hidden" name="sort" value="{}">'
    for name, sort in (("cooperation:application_list", "-number"), ("supervision:rectification_list", "due"),
                       ("ratings:list", "level"), ("support:ticket_list", "-number")):  # fmt: skip
        body = client.get(reverse(name), {"sort": sort}).content.decode()
        assert body.count(hidden.format(sort)) >= 2, name  # the filter form and the page-size form keep it
        if name != "cooperation:application_list":  # the export link carries it too
            assert re.search(rf'href="\?[^"]*sort={re.escape(sort)}[^"]*export=xlsx', body), name
    settings.SHEYIN_EXPORT_JOB_ROWS = 1
    resp = client.get(
        reverse("institutions:outlet_list"), {"sort": "-name", "bank": bank.pk, "export": "xlsx"}
    )
    job = ExportJob.objects.get(user=admin)
    assert resp.status_code == 302 and "sort=-name" in job.query  # the job replays the sorted query
