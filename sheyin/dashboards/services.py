"""Writes of the dashboards app: statistical report runs and the issued reports they produce.

A person (or the schedule) asks for a report with `report_run_request`; the job `report_run_execute` builds
the figures from the aggregates, renders Excel and PDF and issues an immutable `IssuedReport` (the next
version of its kind, scope and period). Progress is written on the run for the page to poll.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sheyin.accounts.permissions import NotAllowed, require
from sheyin.audit.services import record, snapshot
from sheyin.common.crypto import sm3_hex
from sheyin.institutions.models import Agency

from . import report_files, reports, selectors, workflow
from .models import ACTIVE, IssuedReport, ReportKind, ReportRun, RunStatus

logger = logging.getLogger(__name__)

MAX_ACTIVE_PER_USER = 3
MAX_SPAN_DAYS = 3 * 366
EARLIEST = dt.date(2000, 1, 1)
CATCH_UP_DAYS = 31  # the schedule issues a period's report when it ended within this many days


def _period(kind: str, start: dt.date | None, end: dt.date | None, today: dt.date) -> tuple[dt.date, dt.date]:
    errors: dict[str, str] = {}
    if kind not in ReportKind.values:
        raise ValidationError({"kind": _("请选择报表类型。")})
    if start is None:
        errors["start"] = _("请填写起始日期。")
    if kind == ReportKind.CUSTOM and end is None:
        errors["end"] = _("请填写截止日期。")
    if errors:
        raise ValidationError(errors)
    assert start is not None
    if kind != ReportKind.CUSTOM:
        start, end = reports.period_of(kind, start)
        if end >= today:
            raise ValidationError(
                {"start": _("该期间尚未结束，不能生成定期报表；如需统计至今的数据，请选择“自定义期间”。")}
            )
    assert end is not None
    if start < EARLIEST:
        errors["start"] = _("起始日期不能早于2000年1月1日。")
    if end < start:
        errors["end"] = _("截止日期不能早于起始日期。")
    elif end > today:
        errors["end"] = _("截止日期不能晚于今天。")
    elif (end - start).days + 1 > MAX_SPAN_DAYS:
        errors["end"] = _("统计期间最长为三年。")
    if errors:
        raise ValidationError(errors)
    return start, end


def report_run_request(
    *, kind: str, district: Agency | None, start: dt.date | None, end: dt.date | None = None, by: Any,
    execute: bool = True,
) -> ReportRun:  # fmt: skip
    """Queue a report for a district (or the city: municipal users only) and a period, and start the job.

    Monthly, quarterly and yearly reports cover the whole period containing `start` (it must have ended);
    a custom report covers [start, end], up to today. `execute=False`: the caller runs the job itself."""
    require(by, "dashboards.run_reports")
    today = timezone.localdate()
    start, end = _period(kind, start, end, today)
    if by is not None:
        if district is None and not selectors.reports_city(by):
            raise NotAllowed(_("只有市级用户可以生成全市报表。"))
        if district is not None and not selectors.report_districts(by).filter(pk=district.pk).exists():
            raise NotAllowed(_("该区不在您的数据范围内。"))
    if district is not None and district.level != Agency.Level.DISTRICT:
        raise ValidationError({"district": _("统计范围必须是一个区或全市。")})
    run = ReportRun(kind=kind, district=district, period_start=start, period_end=end,
                    requested_by=by if getattr(by, "pk", None) else None)  # fmt: skip
    with transaction.atomic():
        if by is not None and getattr(by, "pk", None):
            active = ReportRun.objects.select_for_update().filter(requested_by=by, status__in=ACTIVE).count()
            if active >= MAX_ACTIVE_PER_USER:
                raise ValidationError(_("您已有%(n)d个报表正在生成，请稍候再试。") % {"n": active})
        run.save()
        record(action="dashboards.report_run.request", by=by, obj=run,
               after=snapshot(run, ["kind", "district", "period_start", "period_end"]))  # fmt: skip
        if execute:
            transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    from .tasks import execute_report_run

    execute_report_run(run_id)


def _move(run_id: int, target: str, **fields: Any) -> ReportRun | None:
    """The job's status change, under a row lock, checked against the table; None when another worker
    already moved the run (a retried job does nothing)."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().get(pk=run_id)
        if (run.status, target) not in workflow.TRANSITIONS:
            if target == RunStatus.RUNNING:
                return None
            workflow.check(run.status, target)
        run.status = target
        for k, v in fields.items():
            setattr(run, k, v)
        run.save()
    return run


def _progress(run_id: int, percent: int, phase: str) -> None:
    """`phase` is stored untranslated (a catalogue msgid) and translated when shown."""
    ReportRun.objects.filter(pk=run_id).update(progress=min(max(int(percent), 0), 100), phase=phase[:60])


def report_run_execute(*, run_id: int) -> IssuedReport | None:
    """The job: build the figures, render the files, issue the report. Safe to run twice."""
    run = _move(run_id, RunStatus.RUNNING, progress=5, phase=gettext_noop("读取统计数据"))
    if run is None:
        return None
    try:
        figures = reports.build(run.kind, run.district, run.period_start, run.period_end,
                                progress=lambda p, phase: _progress(run_id, p, phase))  # fmt: skip
        _progress(run_id, 70, gettext_noop("生成Excel与PDF文件"))
        issued = _issue(run, figures)
    except Exception as exc:  # the run records the failure; the worker keeps going
        logger.exception("report run %s failed", run_id)
        _move(run_id, RunStatus.FAILED, finished_at=timezone.now(), error=str(exc)[:300])
        record(action="dashboards.report_run.fail", obj=run, outcome="failure", reason=str(exc)[:200])
        return None
    _move(
        run_id,
        RunStatus.DONE,
        report=issued,
        progress=100,
        phase=gettext_noop("已完成"),
        finished_at=timezone.now(),
    )
    return issued


def _issue(run: ReportRun, figures: dict[str, Any]) -> IssuedReport:
    """Write the next version of the report (files first, then the immutable row with their digests)."""
    from .aggregates import refreshed_at

    who = run.requested_by
    issued_by = str(who) if who is not None else "系统（按计划自动生成）"
    xlsx = report_files.xlsx(figures)
    for _attempt in range(3):
        same = IssuedReport.objects.filter(kind=run.kind, district=run.district, period_start=run.period_start,
                                           period_end=run.period_end)  # fmt: skip
        version = (same.aggregate(v=Max("version"))["v"] or 0) + 1
        pdf = report_files.pdf(figures, version=version, issued_by=issued_by)
        stem = f"report-{run.kind}-{run.district.code if run.district else 'city'}-{run.period_start:%Y%m%d}-v{version}"
        try:
            with transaction.atomic():
                report = IssuedReport(
                    kind=run.kind, district=run.district, period_start=run.period_start, period_end=run.period_end,
                    version=version, title=figures["title"], figures=figures, xlsx_sm3=sm3_hex(xlsx), pdf_sm3=sm3_hex(pdf),
                    issued_by=who, issued_at=timezone.now(), data_as_of=refreshed_at(),
                )  # fmt: skip
                report.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
                report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
                report.save(force_insert=True)
                record(action="dashboards.report.issue", by=who, obj=report,
                       after={"title": report.title, "version": version, "xlsx_sm3": report.xlsx_sm3,
                              "pdf_sm3": report.pdf_sm3})  # fmt: skip
            return report
        except IntegrityError:  # another run issued this version at the same moment: take the next one
            continue
    raise RuntimeError("could not allocate a report version")


def report_reissue(*, report: IssuedReport, by: Any, execute: bool = True) -> ReportRun:
    """Generate the report again from today's figures: a new version beside the old one (never replacing it)."""
    return report_run_request(kind=report.kind, district=report.district, start=report.period_start,
                              end=report.period_end, by=by, execute=execute)  # fmt: skip


def report_file_verified(report: IssuedReport, which: str) -> bytes:
    """The file's bytes, refused if they no longer match the digest recorded when the report was issued."""
    field = report.xlsx if which == "xlsx" else report.pdf
    expected = report.xlsx_sm3 if which == "xlsx" else report.pdf_sm3
    with field.open("rb") as fh:
        data = fh.read()
    if sm3_hex(data) != expected:
        record(action="dashboards.report.tampered", obj=report, outcome="failure", reason=which)
        raise ValidationError(_("报表文件与生成时的摘要不一致，已拒绝下载，请联系系统管理员。"))
    return data


# --- the schedule -------------------------------------------------------------------------------------


def due_periods(today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """The last complete month, quarter and year, when they ended within the catch-up window."""
    out: list[tuple[str, dt.date, dt.date]] = []
    for kind in (ReportKind.MONTHLY, ReportKind.QUARTERLY, ReportKind.YEARLY):
        start, end = reports.period_of(kind, today)
        start, end = reports.period_of(kind, start - dt.timedelta(days=1))
        if (today - end).days <= CATCH_UP_DAYS:
            out.append((kind, start, end))
    return out


def reports_issue_due(*, today: dt.date | None = None) -> int:
    """The schedule: every due period's report for the city and each district, once (idempotent)."""
    from sheyin.institutions.selectors import districts

    today = today or timezone.localdate()
    made = 0
    scopes: list[Agency | None] = [None, *districts()]
    for kind, start, end in due_periods(today):
        for district in scopes:
            exists = IssuedReport.objects.filter(
                kind=kind, district=district, period_start=start, period_end=end
            )
            pending = ReportRun.objects.filter(kind=kind, district=district, period_start=start, period_end=end,
                                               status__in=ACTIVE)  # fmt: skip
            if exists.exists() or pending.exists():
                continue
            run = report_run_request(
                kind=kind, district=district, start=start, end=end, by=None, execute=False
            )
            if report_run_execute(run_id=run.pk) is not None:
                made += 1
    return made
