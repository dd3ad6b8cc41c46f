"""The pages of export jobs: the user's own jobs, one job's progress, its download (owner only)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .access import login_required
from .excel import XLSX_TYPE, content_disposition
from .exports import jobs_of, keep_days
from .models import ExportJob


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    return render(request, "exports/job_list.html", {"jobs": jobs_of(request.user)[:50]})


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(jobs_of(request.user), pk=pk)
    template = "exports/_job_status.html" if getattr(request, "htmx", False) else "exports/job_detail.html"
    return render(request, template, {"job": job, "keep_days": keep_days()})


@login_required
def job_download(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    job = get_object_or_404(jobs_of(request.user), pk=pk)
    if job.status == ExportJob.Status.EXPIRED:
        # The file was cleaned up after the keeping period: say so and offer the export again (410 Gone).
        return render(request, "exports/job_expired.html", {"job": job, "keep_days": keep_days()}, status=410)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    resp = FileResponse(job.file.open("rb"), content_type=XLSX_TYPE)
    resp["Content-Disposition"] = content_disposition(job.file_name[:-5], f"export-{job.pk}", "xlsx")
    resp["Cache-Control"] = "private, no-store"
    return resp
