"""List exports: answered at once up to a threshold, run as a job beyond it (issue 18 item 3).

`export_response` is what a list view returns for ``?export=xlsx``. Up to ``SHEYIN_EXPORT_JOB_ROWS`` rows
(500 by default: a few pages, about a quarter of a second to write) the file is written in the request. Beyond it an `ExportJob` is queued on the long queue
and the user is taken to the job's page, which shows the progress and, when done, the download: never a
silently cut file.

The job runs the list's own view again, as the user who asked, with the same query: the access rule of the
view, its data scope, its filters and its export permission are the list's, with no second description
of them to drift apart. Only the user who asked may see or download a job.

Every export is audited (issue 18 item 6): ``list.export`` with the list, its filters and the number of rows
written (by the job's owner when a job writes it), and ``list.export_job`` when a job is queued.

A finished job's file is kept ``SHEYIN_EXPORT_KEEP_DAYS`` days (7 by default): a nightly job on the short
queue deletes older files and marks their jobs expired (``export_job.expire``, audited as the system), and
the job's page then offers to run the export again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.base import BaseStorage
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .access import check, rule_of
from .excel import XLSX_TYPE, file_response, stamp, xlsx_bytes
from .listing import Column, rows_of
from .models import ExportJob

JOB_ATTR = "sheyin_export_job"


def keep_days() -> int:
    return int(getattr(settings, "SHEYIN_EXPORT_KEEP_DAYS", 7))


def job_threshold() -> int:
    return int(getattr(settings, "SHEYIN_EXPORT_JOB_ROWS", 500))


@dataclass
class JobHandle:
    """Carried by the request a job replays: lets the view's export write every row and report progress."""

    job_id: int

    def total(self, n: int) -> None:
        ExportJob.objects.filter(pk=self.job_id).update(total=n, heartbeat_at=timezone.now())

    def progress(self, n: int) -> None:
        ExportJob.objects.filter(pk=self.job_id).update(done=n, heartbeat_at=timezone.now())


def _filters(request: HttpRequest) -> dict[str, list[str]]:
    return {k: v for k, v in request.GET.lists() if k not in ("export", "page")}


def _audit(request: HttpRequest, action: str, *, title: str, after: dict[str, Any]) -> None:
    """The audit event of an export; the audit app sits above common, hence the late import."""
    from sheyin.audit.services import record

    record(action=action, by=request.user, object_type="list", object_id=request.path[:100],
           after={"title": title, "filters": _filters(request), **after})  # fmt: skip


def export_response(
    request: HttpRequest,
    *,
    filename: str,
    title: Any,
    columns: Sequence[Column],
    qs: QuerySet | Sequence[Any],
) -> HttpResponse:
    """The list's Excel file, or (above the threshold) a queued job and a redirect to its page.

    `qs` is the list's scoped, filtered queryset, or the rows of a computed list (a ranking) as a sequence."""
    handle: JobHandle | None = getattr(request, JOB_ATTR, None)
    objects: Any = qs.iterator(chunk_size=2000) if isinstance(qs, QuerySet) else qs
    if handle is None:
        limit = job_threshold()
        size = qs[: limit + 1].count() if isinstance(qs, QuerySet) else len(qs)
        if size > limit:
            job = export_job_start(request, title=str(title))
            messages.info(request, _("导出的数据较多，已转为后台导出。完成后可在本页下载。"))
            return redirect("exports:job", pk=job.pk)
        progress = None
    else:
        handle.total(qs.count() if isinstance(qs, QuerySet) else len(qs))
        progress = handle.progress
    written = 0

    def counted(rows: Any) -> Any:
        nonlocal written
        for row in rows:
            written += 1
            yield row

    response = _xlsx_file(filename, title, columns, counted(rows_of(columns, objects, progress)))
    _audit(request, "list.export", title=str(title),
           after={"rows": written, "job": handle.job_id if handle else None})  # fmt: skip
    return response


def _xlsx_file(filename: str, title: Any, columns: Sequence[Column], rows: Any) -> HttpResponse:
    """The file itself: the formatted, frozen header row and `rows` (lists of cell values), named in Chinese
    (the title) with `filename` as the ASCII fallback. Only `export_response` calls it: a list's export is
    audited and, when large, runs as a job."""
    body = xlsx_bytes(str(title), [str(c.label) for c in columns], rows)
    when = stamp()
    return file_response(body, name=f"{title}-{when}", fallback=f"{filename}-{when}")


def export_job_start(request: HttpRequest, *, title: str) -> ExportJob:
    params = request.GET.copy()
    params.pop("page", None)
    job = ExportJob.objects.create(
        user=request.user,  # type: ignore[misc]  # a list view is behind its access rule: logged in
        title=title[:100],
        path=request.path[:300],
        query=params.urlencode(),
    )
    _audit(request, "list.export_job", title=job.title, after={"job": job.pk})
    from .tasks import run_export_job

    transaction.on_commit(lambda: run_export_job(job.pk))
    return job


class _NoMessages(BaseStorage):
    """A replayed request shows no messages to anybody."""

    def _get(self, *args: Any, **kwargs: Any) -> tuple[list[Any], bool]:
        return [], True

    def _store(self, messages: Any, response: Any, *args: Any, **kwargs: Any) -> list[Any]:
        return []


def _replay(job: ExportJob) -> HttpResponse:
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = job.path
    request.GET = QueryDict(job.query)
    request.META = {"SERVER_NAME": "export-job", "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1"}
    request.user = job.user
    request.htmx = False  # type: ignore[attr-defined]
    request._messages = _NoMessages(request)  # type: ignore[attr-defined]
    setattr(request, JOB_ATTR, JobHandle(job.pk))
    match = resolve(job.path)
    refusal = check(request, rule_of(match.func))
    if refusal is not None:
        raise PermissionDenied
    response: HttpResponse = match.func(request, *match.args, **match.kwargs)
    return response


def export_job_execute(*, job_id: int) -> str:
    """Run one queued job (safe to run twice: a job no longer queued is left alone)."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id, status=ExportJob.Status.QUEUED).first()
        if job is None:
            return "skipped"
        job.status, job.heartbeat_at = ExportJob.Status.RUNNING, timezone.now()
        job.save(update_fields=["status", "heartbeat_at"])
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    error = ""
    response: HttpResponse | None = None
    if not job.user.is_active:
        error = _("账号已停用，不能导出。")
    else:
        try:
            with translation.override(getattr(job.user, "language", "") or settings.LANGUAGE_CODE):
                response = _replay(job)
        except (PermissionDenied, Resolver404):
            error = _("您没有导出该列表的权限。")
        except Exception:  # a job reports its failure on its page rather than dying silently
            error = _("导出失败，请稍后重试或缩小查询范围。")
    if response is not None and not (
        response.status_code == 200 and response.get("Content-Type", "") == XLSX_TYPE
    ):
        error = _("按当前查询条件不能导出，请返回列表检查查询条件和导出权限。")
    now = timezone.now()
    if error or response is None:
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=error[:300], finished_at=now
        )
        return "failed"
    name = f"{job.title}-{stamp()}.xlsx"
    job.file.save(f"export-{job.pk}.xlsx", ContentFile(response.content), save=False)
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportJob.Status.DONE, file=job.file.name, file_name=name[:200], finished_at=now, done=F("total")
    )  # fmt: skip
    return "done"


def export_jobs_expire(*, now: Any = None) -> int:
    """Job: delete the files of finished exports older than `keep_days()` and mark their jobs expired.
    Safe to run twice (an expired job is no longer done); a file already missing from storage still expires
    its job. Returns the number of jobs expired."""
    from sheyin.audit.services import record

    cutoff = (now or timezone.now()) - timedelta(days=keep_days())
    old = ExportJob.objects.filter(status=ExportJob.Status.DONE, finished_at__lt=cutoff).order_by("pk")
    n = 0
    for pk in list(old.values_list("pk", flat=True)):
        with transaction.atomic():
            job = ExportJob.objects.select_for_update().filter(pk=pk, status=ExportJob.Status.DONE).first()
            if job is None:
                continue
            name = job.file.name
            if name:
                job.file.storage.delete(name)
            ExportJob.objects.filter(pk=pk).update(status=ExportJob.Status.EXPIRED, file="")
            record(action="export_job.expire", obj=job,
                   after={"title": job.title, "file": name, "owner": job.user_id, "keep_days": keep_days()})  # fmt: skip
            n += 1
    return n


def jobs_of(user: Any) -> QuerySet[ExportJob]:
    """A user's own export jobs (nobody else's: an export carries its owner's scope)."""
    if not getattr(user, "is_authenticated", False):
        return ExportJob.objects.none()
    return ExportJob.objects.filter(user=user).order_by("-created_at", "-id")
