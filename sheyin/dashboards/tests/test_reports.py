"""Statistical reports: periods and comparisons, the files, who may run them, immutable issued versions and
the schedule."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from openpyxl import load_workbook

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.dashboards import aggregates, report_files, reports, services
from sheyin.dashboards.models import IssuedReport, ReportKind, ReportRun, RunStatus
from sheyin.institutions.tests.factories import district, municipal

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_periods_and_their_comparisons() -> None:
    assert reports.period_of(ReportKind.MONTHLY, dt.date(2026, 2, 17)) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )
    assert reports.period_of(ReportKind.QUARTERLY, dt.date(2026, 5, 2)) == (
        dt.date(2026, 4, 1),
        dt.date(2026, 6, 30),
    )
    assert reports.period_of(ReportKind.YEARLY, dt.date(2026, 5, 2)) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
    )
    assert reports.previous_period(ReportKind.MONTHLY, dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == (
        dt.date(2026, 2, 1), dt.date(2026, 2, 28))  # fmt: skip
    assert reports.previous_period(ReportKind.QUARTERLY, dt.date(2026, 1, 1), dt.date(2026, 3, 31)) == (
        dt.date(2025, 10, 1), dt.date(2025, 12, 31))  # fmt: skip
    assert reports.previous_period(ReportKind.CUSTOM, dt.date(2026, 3, 11), dt.date(2026, 3, 20)) == (
        dt.date(2026, 3, 1), dt.date(2026, 3, 10))  # fmt: skip
    # A leap-year February compares with the whole February a year earlier.
    assert reports.year_earlier(dt.date(2028, 2, 1), dt.date(2028, 2, 29)) == (
        dt.date(2027, 2, 1),
        dt.date(2027, 2, 28),
    )


def _figures_world(reference):  # type: ignore[no-untyped-def]
    o, other = f.outlet(), f.outlet("110108")
    for _ in range(4):
        f.case(o, f.at(dt.date(2026, 3, 5)))
    for _ in range(2):
        f.case(o, f.at(dt.date(2026, 2, 5)))
    f.case(o, f.at(dt.date(2025, 3, 5)))
    f.case(other, f.at(dt.date(2026, 3, 6)))
    f.guided(o, f.at(dt.date(2026, 3, 7)))
    f.rating(o, f.at(dt.date(2026, 3, 8)), 5)
    f.rating(o, f.at(dt.date(2026, 3, 8)), 1, on_time=True)
    aggregates.refresh(since=dt.date(2025, 3, 1), until=dt.date(2026, 3, 31))
    return o, other


def test_a_monthly_city_report_compares_with_last_month_and_last_year(reference) -> None:  # type: ignore[no-untyped-def]
    _figures_world(reference)
    fig = reports.build(ReportKind.MONTHLY, None, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    summary = {r["label"]: r for r in fig["summary"]}
    total = summary["业务量合计"]
    assert (total["current"], total["previous"], total["last_year"]) == (6, 2, 1)
    assert total["mom"] == 200.0 and total["yoy"] == 500.0
    assert summary["满意率"]["current"] == 50.0 and summary["差评按期整改率"]["current"] == 100.0
    business = fig["sections"][0]
    assert len(business["rows"]) == 17  # every district, then the city
    assert business["rows"][-1][0] == "全市" and business["rows"][-1][4] == 6
    chaoyang = next(r for r in business["rows"] if r[0] == "朝阳区")
    assert chaoyang[1:5] == [4, 0, 1, 5]
    assert fig["title"] == "全市社银合作2026年3月月报"


def test_a_district_report_counts_only_its_district_by_bank(reference) -> None:  # type: ignore[no-untyped-def]
    o, _other = _figures_world(reference)
    fig = reports.build(ReportKind.CUSTOM, o.district, dt.date(2026, 3, 1), dt.date(2026, 3, 20))
    business = fig["sections"][0]
    assert [r[0] for r in business["rows"]] == [o.bank.short_name, "合计"]
    assert business["rows"][-1][4] == 5
    assert fig["periods"]["previous"] == ["2026-02-09", "2026-02-28"]


def test_the_files_embed_the_cjk_font_and_freeze_their_headers(reference, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _figures_world(reference)
    fig = reports.build(ReportKind.MONTHLY, None, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    wb = load_workbook(io.BytesIO(report_files.xlsx(fig)))
    assert wb.sheetnames[0] == "概要" and "业务量" in wb.sheetnames
    assert wb["业务量"].freeze_panes == "B2"
    assert wb["业务量"]["A1"].value == "所在区" and wb["业务量"]["A1"].font.bold
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(report_files.pdf(fig, version=1, issued_by="王市管"))
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYiZenHei" in fonts and "Helvetica" not in fonts
    assert all(" yes yes " in line for line in fonts.splitlines()[2:])  # embedded and subset
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "全市社银合作2026年3月月报" in text and "朝阳区" in text


def test_a_district_officer_runs_a_custom_report_and_it_is_issued(  # type: ignore[no-untyped-def]
    reference, media, django_capture_on_commit_callbacks
) -> None:
    o, _other = _figures_world(reference)
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=o.district)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        run = services.report_run_request(kind=ReportKind.CUSTOM, district=o.district, start=today.replace(day=1),
                                          end=today, by=officer)  # fmt: skip
    run.refresh_from_db()  # the job ran on commit (immediate in tests)
    assert run.status == RunStatus.DONE and run.progress == 100
    report = run.report
    assert report.version == 1 and report.issued_by == officer and report.district == o.district
    assert services.report_file_verified(report, "pdf").startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="dashboards.report.issue", object_id=str(report.pk)).exists()


def test_a_reissue_is_a_new_version_and_the_old_one_stays(reference, media) -> None:  # type: ignore[no-untyped-def]
    o, _other = _figures_world(reference)
    admin = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    run = services.report_run_request(kind=ReportKind.MONTHLY, district=None, start=dt.date(2026, 3, 1), by=admin,
                                      execute=False)  # fmt: skip
    first = services.report_run_execute(run_id=run.pk)
    assert first is not None
    f.case(o, f.at(dt.date(2026, 3, 9)))
    aggregates.refresh(since=dt.date(2026, 3, 1), until=dt.date(2026, 3, 31))
    second = services.report_run_execute(
        run_id=services.report_reissue(report=first, by=admin, execute=False).pk
    )
    assert second is not None
    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert first.figures["summary"][0]["current"] == 6 and second.figures["summary"][0]["current"] == 7


def test_an_issued_report_cannot_be_changed_by_any_path(reference, media) -> None:  # type: ignore[no-untyped-def]
    _figures_world(reference)
    run = services.report_run_request(kind=ReportKind.MONTHLY, district=None, start=dt.date(2026, 3, 1), by=None,
                                      execute=False)  # fmt: skip
    report = services.report_run_execute(run_id=run.pk)
    assert report is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        IssuedReport.objects.filter(pk=report.pk).update(title="改过的标题")
    with pytest.raises(DatabaseError), transaction.atomic():
        report.note = "补充说明"
        report.save()
    if connection.vendor == "postgresql":  # SQLite leaves DELETE to the ORM (see the migration)
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
            c.execute("DELETE FROM dashboards_issuedreport WHERE id = %s", [report.pk])
    assert IssuedReport.objects.get(pk=report.pk).title == report.title


def test_a_tampered_file_is_refused_at_download(reference, media) -> None:  # type: ignore[no-untyped-def]
    _figures_world(reference)
    run = services.report_run_request(kind=ReportKind.MONTHLY, district=None, start=dt.date(2026, 3, 1), by=None,
                                      execute=False)  # fmt: skip
    report = services.report_run_execute(run_id=run.pk)
    assert report is not None
    Path(report.xlsx.path).write_bytes(b"not the issued file")
    with pytest.raises(ValidationError):
        services.report_file_verified(report, "xlsx")
    assert AuditEvent.objects.filter(action="dashboards.report.tampered").exists()


@pytest.mark.parametrize(
    "role", [Role.BANK_ADMIN, Role.OUTLET_MANAGER, Role.DISTRICT_INSPECTOR, Role.SYSTEM_ADMIN]
)
def test_roles_without_the_right_cannot_run_reports(reference, role) -> None:  # type: ignore[no-untyped-def]
    o = f.outlet()
    kw = {Role.BANK_ADMIN: {"bank": o.bank}, Role.OUTLET_MANAGER: {"outlet": o},
          Role.DISTRICT_INSPECTOR: {"agency": o.district}, Role.SYSTEM_ADMIN: {"agency": municipal()}}[role]  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.report_run_request(kind=ReportKind.MONTHLY, district=o.district, start=dt.date(2026, 3, 1),
                                    by=user_with_role(role, **kw))  # fmt: skip
    assert not ReportRun.objects.exists()


def test_a_district_reports_only_on_itself(reference) -> None:  # type: ignore[no-untyped-def]
    admin = user_with_role(Role.DISTRICT_ADMIN, agency=district("110105"))
    with pytest.raises(PermissionDenied):
        services.report_run_request(kind=ReportKind.MONTHLY, district=district("110108"), start=dt.date(2026, 3, 1),
                                    by=admin)  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.report_run_request(
            kind=ReportKind.MONTHLY, district=None, start=dt.date(2026, 3, 1), by=admin
        )
    assert not ReportRun.objects.exists()


def test_bad_periods_get_clear_errors_and_change_nothing(reference) -> None:  # type: ignore[no-untyped-def]
    admin = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    today = timezone.localdate()
    cases = [
        (ReportKind.CUSTOM, today, today - dt.timedelta(days=1), "end"),
        (ReportKind.CUSTOM, today, today + dt.timedelta(days=1), "end"),
        (ReportKind.CUSTOM, today - dt.timedelta(days=4000), today, "end"),
        (ReportKind.CUSTOM, dt.date(1999, 12, 31), dt.date(2000, 1, 2), "start"),
        (ReportKind.CUSTOM, today, None, "end"),
        (ReportKind.MONTHLY, today, None, "start"),  # the month has not ended
    ]
    for kind, start, end, field in cases:
        with pytest.raises(ValidationError) as exc:
            services.report_run_request(kind=kind, district=None, start=start, end=end, by=admin)
        assert field in exc.value.message_dict, (kind, start, end)
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in exc.value.messages)
    assert not ReportRun.objects.exists()


def test_a_run_executed_twice_issues_one_report(reference, media) -> None:  # type: ignore[no-untyped-def]
    _figures_world(reference)
    run = services.report_run_request(kind=ReportKind.MONTHLY, district=None, start=dt.date(2026, 3, 1), by=None,
                                      execute=False)  # fmt: skip
    assert services.report_run_execute(run_id=run.pk) is not None
    assert services.report_run_execute(run_id=run.pk) is None
    assert IssuedReport.objects.count() == 1


def test_a_failed_run_records_why(reference, media, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    run = services.report_run_request(kind=ReportKind.MONTHLY, district=None, start=dt.date(2026, 3, 1), by=None,
                                      execute=False)  # fmt: skip

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(report_files, "xlsx", broken)
    assert services.report_run_execute(run_id=run.pk) is None
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "disk full" in run.error and not IssuedReport.objects.exists()


def test_the_schedule_issues_each_due_report_once(reference, media) -> None:  # type: ignore[no-untyped-def]
    today = dt.date(2026, 4, 1)
    due = services.due_periods(today)
    assert [k for k, _s, _e in due] == [ReportKind.MONTHLY, ReportKind.QUARTERLY]  # 2025 ended too long ago
    made = services.reports_issue_due(today=today)
    assert made == 2 * 17  # the city and the 16 districts
    assert services.reports_issue_due(today=today) == 0
    report = IssuedReport.objects.get(kind=ReportKind.QUARTERLY, district__isnull=True)
    assert (report.period_start, report.period_end, report.issued_by) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 3, 31),
        None,
    )


def test_outlets_with_too_little_data_leave_the_average_blank_instead_of_failing_the_report(
    reference,
) -> None:  # type: ignore[no-untyped-def]
    from sheyin.supervision.models import Appraisal

    graded, unappraised = f.outlet(), f.outlet("110108")
    for o, score, grade in (
        (graded, 82, Appraisal.Grade.GOOD),
        (unappraised, None, Appraisal.Grade.INSUFFICIENT),
    ):
        Appraisal.objects.create(outlet=o, district_id=o.district_id, bank_id=o.bank_id, year=2026, quarter=1,
                                 score=score, grade=grade)  # fmt: skip
    fig = reports.build(ReportKind.QUARTERLY, None, dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    section = next(s for s in fig["sections"] if s["title"].startswith("五、考核"))
    rows = {r[0]: r for r in section["rows"]}
    assert rows["朝阳区"][-1] == 82.0
    assert rows["海淀区"][-1] is None  # 数据不足 only: no average, and the report is still issued
