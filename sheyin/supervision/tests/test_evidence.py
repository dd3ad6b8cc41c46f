"""Every finding's evidence reads in Chinese, in Beijing time, with links to the records it cites — never a
raw key, a dict or an internal id (R9.4). One test per analysis rule and per finding source, as the district
officer sees the finding page; links are offered only to readers who may open them."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from django.urls import reverse

from sheyin.audit.models import AuditEvent
from sheyin.supervision import services
from sheyin.supervision.appraisal import appraisal_compute
from sheyin.supervision.checklists import INSPECTION_ITEMS
from sheyin.supervision.models import Finding
from sheyin.supervision.reference import load
from sheyin.supervision.services import analysis_run

from .factories import at, case, outlet, people
from .test_appraisal import failing
from .test_rules import DAY, lookup

pytestmark = pytest.mark.django_db


@pytest.fixture
def o(reference):  # type: ignore[no-untyped-def]
    load()
    x = outlet()
    return x, people(x)


def evidence_html(client, user, f: Finding) -> str:  # type: ignore[no-untyped-def]
    client.force_login(user)
    resp = client.get(reverse("supervision:finding_detail", args=[f.pk]))
    assert resp.status_code == 200
    html = resp.content.decode()
    section = re.search(r'<section id="evidence".*?</section>', html, re.S)
    assert section is not None
    return section.group(0)


def reads_in_chinese(html: str, f: Finding) -> None:
    """No raw evidence key, no dict or list literal, no ISO timestamp in the evidence."""
    text = re.sub(r"<[^>]+>", " ", html)
    for key in f.evidence:
        assert key not in text, f"raw key {key!r} shown"
    assert "{" not in text and "[" not in text and "'" not in text
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", text), "ISO timestamp shown"


def test_off_hours_evidence_names_the_cases_and_the_times_in_beijing(client, o) -> None:  # type: ignore[no-untyped-def]
    x, p = o
    c = case(x, p["staff"], at(DAY, 21, 15))
    analysis_run(day=DAY, codes=["off_hours"])
    f = Finding.objects.get()
    html = evidence_html(client, p["officer"], f)
    reads_in_chinese(html, f)
    assert "非营业时间受理" in html and "2026-11-18 21:15" in html and "工作日08:30—17:30" in html
    assert reverse("casework:case_detail", args=[c.pk]) in html and c.receipt_no in html
    assert f"{reverse('casework:case_list')}?outlet={x.pk}" in html


def test_staff_volume_evidence_names_the_staff_member_and_the_day(client, o) -> None:  # type: ignore[no-untyped-def]
    from sheyin.accounts.roles import Role
    from sheyin.accounts.tests.factories import user_with_role

    x, p = o
    others = [user_with_role(Role.OUTLET_STAFF, outlet=x) for _ in range(4)]
    for d in range(5):
        for s in others:
            for k in range(5):
                case(x, s, at(DAY - dt.timedelta(days=d), 9, k))
    for k in range(40):
        case(x, p["staff"], at(DAY, 10, k))
    analysis_run(day=DAY, codes=["staff_volume"])
    f = Finding.objects.get()
    html = evidence_html(client, p["officer"], f)
    reads_in_chinese(html, f)
    assert str(p["staff"]) in html and "2026-11-18" in html and "40笔" in html and "3倍标准差" in html


def test_snooping_evidence_lists_the_look_ups_with_links_to_the_query_log_and_cases(client, o) -> None:  # type: ignore[no-untyped-def]
    x, p = o
    cancelled = case(x, p["staff"], at(DAY, 9), status="cancelled", person="walked_out")
    lookup(x, p["staff"], at(DAY, 9, 2), "walked_out", cancelled)
    lookup(x, p["staff"], at(DAY, 14, 30), "neighbour")
    analysis_run(day=DAY, codes=["snooping"])
    f = Finding.objects.get()
    html = evidence_html(client, p["officer"], f)
    reads_in_chinese(html, f)
    assert "疑似窥探" in f.title and str(p["staff"]) in html and "2次" in html
    assert "2026-11-18 09:02" in html and "2026-11-18 14:30" in html and "110101********123X" in html
    assert reverse("casework:case_detail", args=[cancelled.pk]) in html and "已取消" in html
    assert f"{reverse('casework:lookup_list')}?outlet={x.pk}&amp;staff={p['staff'].pk}" in html
    # a window clerk sees the finding about their outlet, but not the query log of colleagues
    from sheyin.casework.tests.factories import staff_user

    html = evidence_html(client, staff_user(x), f)
    assert reverse("casework:lookup_list") not in html and "2次" in html


def test_evidence_of_an_older_snooping_run_on_terminal_queries_still_reads_in_chinese(client, o) -> None:  # type: ignore[no-untyped-def]
    from sheyin.supervision.models import AnalysisRule

    x, p = o
    f = Finding.objects.create(number="FX1", source="data_rule", rule=AnalysisRule.objects.get(code="snooping"),
                               outlet=x, district_id=x.district_id, bank_id=x.bank_id, period="2026-11-18",
                               title="权益记录查询3次无对应业务",
                               evidence={"queries": 3, "persons": 2, "first_query_id": 7, "last_query_id": 9,
                                         "window_days": 1, "mystery": {"a": 1}})  # fmt: skip
    html = evidence_html(client, p["officer"], f)
    reads_in_chinese(html, f)
    assert "终端权益记录查询" in html and "3次" in html and "其他信息" in html


def test_rates_evidence_shows_percentages_and_links_to_the_refused_cases(client, o) -> None:  # type: ignore[no-untyped-def]
    x, p = o
    for i in range(25):
        case(x, p["staff"], at(DAY, 10, i), status="rejected" if i < 8 else "completed")
    analysis_run(day=DAY, codes=["rates"])
    f = Finding.objects.get()
    html = evidence_html(client, p["officer"], f)
    reads_in_chinese(html, f)
    assert "8笔（32.0%）" in html and "status=rejected" in html


def test_repeated_edits_evidence_links_the_case(client, o) -> None:  # type: ignore[no-untyped-def]
    x, p = o
    c = case(x, p["staff"], at(DAY, 10))
    for _ in range(9):
        AuditEvent.objects.create(action="case.materials", object_type="casework.case", object_id=str(c.pk),
                                  at=at(DAY, 11))  # fmt: skip
    analysis_run(day=DAY, codes=["repeated_edits"])
    f = Finding.objects.get()
    html = evidence_html(client, p["officer"], f)
    reads_in_chinese(html, f)
    assert reverse("casework:case_detail", args=[c.pk]) in html and "9次" in html and str(p["staff"]) in html


def test_a_rating_burst_shows_the_level_and_times(client, o) -> None:  # type: ignore[no-untyped-def]
    x, p = o
    burst = {"outlet_id": x.pk, "count": 6, "rating_ids": [1, 2, 3, 4, 5, 6], "level": 5,
             "first_at": at(DAY, 10), "last_at": at(DAY, 10, 5)}  # fmt: skip
    with mock.patch("sheyin.ratings.selectors.rating_bursts", return_value=[burst]):
        analysis_run(day=DAY, codes=["rating_bursts"])
    f = Finding.objects.get()
    html = evidence_html(client, p["officer"], f)
    reads_in_chinese(html, f)
    assert "6条" in html and "非常满意" in html and "2026-11-18 10:00" in html and "2026-11-18 10:05" in html


def test_an_inspection_finding_links_the_inspection_not_its_id(client, o) -> None:  # type: ignore[no-untyped-def]
    x, p = o
    from sheyin.accounts.roles import Role
    from sheyin.accounts.tests.factories import user_with_role

    inspector = user_with_role(Role.DISTRICT_INSPECTOR, agency=x.district)
    i = services.inspection_schedule(outlet=x, scheduled_date=DAY, by=inspector)
    results = [{"item": str(t), "result": "fail" if n == 0 else "pass", "note": "清单未更新" if n == 0 else ""}
               for n, t in enumerate(INSPECTION_ITEMS)]  # fmt: skip
    services.inspection_record(inspection=i, results=results, notes="", by=inspector)
    f = Finding.objects.get()
    html = evidence_html(client, p["officer"], f)
    reads_in_chinese(html, f)
    assert reverse("supervision:inspection_detail", args=[i.pk]) in html and str(INSPECTION_ITEMS[0]) in html
    # a window clerk does not open inspections from here
    from sheyin.casework.tests.factories import staff_user

    html = evidence_html(client, staff_user(x), f)
    assert reverse("supervision:inspection_detail", args=[i.pk]) not in html and "现场检查" in html


def test_a_hotline_finding_names_the_ticket_number(client, o) -> None:  # type: ignore[no-untyped-def]
    x, p = o
    services.feedback_import(rows=[{"outlet_code": x.code, "ref": "H-2026-1", "content": "排队太久"}],
                             by=p["officer"])  # fmt: skip
    f = Finding.objects.get()
    html = evidence_html(client, p["officer"], f)
    reads_in_chinese(html, f)
    assert "12345热线工单编号" in html and "H-2026-1" in html


def test_a_failed_appraisal_finding_links_the_appraisal_and_names_the_indicators(client, o) -> None:  # type: ignore[no-untyped-def]
    from sheyin.accounts.roles import Role
    from sheyin.accounts.tests.factories import user_with_role
    from sheyin.institutions.tests.factories import municipal

    x, p = o
    failing(x, p, 2025)
    a = next(r for r in appraisal_compute(year=2025, by=user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()))
             if r.outlet_id == x.pk)  # fmt: skip
    f = Finding.objects.get(source="appraisal")
    html = evidence_html(client, p["officer"], f)
    reads_in_chinese(html, f)
    assert reverse("supervision:appraisal_detail", args=[a.pk]) in html and "2025年度" in html
    assert "现场检查" in html and "无数据" in html and "好差评" in html


def test_a_finding_without_evidence_says_so(client, o) -> None:  # type: ignore[no-untyped-def]
    x, p = o
    f = services.finding_create(outlet=x, source="public_feedback", title="窗口无人", by=p["officer"])
    assert "该问题未附证据" in evidence_html(client, p["officer"], f)
