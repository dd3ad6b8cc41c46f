"""Statistical report pages: the list of issued reports, a report with its period-on-period comparison,
permission-checked downloads, ad-hoc runs with their progress (polled by htmx) and reissues."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sheyin.accounts.http import AuthedRequest
from sheyin.common.access import permission_required
from sheyin.common.db_routing import reads_may_lag
from sheyin.common.forms import apply_errors
from sheyin.common.listing import paginate

from . import report_files, selectors, services
from .models import IssuedReport, ReportKind

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class ReportRunForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("报表类型"), choices=ReportKind.choices,
                             widget=forms.Select(attrs={"class": "form-select"}))  # fmt: skip
    scope = forms.ChoiceField(
        label=gettext_lazy("统计范围"), widget=forms.Select(attrs={"class": "form-select"})
    )
    start = forms.DateField(
        label=gettext_lazy("起始日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
        help_text=gettext_lazy("月报、季报、年报统计该日期所在的整月、整季度、整年。"),
    )  # fmt: skip
    end = forms.DateField(
        label=gettext_lazy("截止日期"), required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
        help_text=gettext_lazy("仅自定义期间需要填写，最晚为今天。"),
    )  # fmt: skip

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("city", _("全市"))] if selectors.reports_city(user) else []
        choices += [(str(d.pk), d.district_name) for d in selectors.report_districts(user)]
        self.fields["scope"].choices = choices  # type: ignore[attr-defined]
        self.districts = {str(d.pk): d for d in selectors.report_districts(user)}

    def district(self) -> Any:
        return self.districts.get(self.cleaned_data["scope"])


def _filters(request: AuthedRequest, qs: Any) -> Any:
    kind = request.GET.get("kind", "")
    if kind in ReportKind.values:
        qs = qs.filter(kind=kind)
    scope = request.GET.get("district", "")
    if scope == "city":
        qs = qs.filter(district__isnull=True)
    elif scope.isdigit():
        qs = qs.filter(district_id=int(scope))
    year = request.GET.get("year", "")
    if year.isdigit():
        qs = qs.filter(period_start__year=int(year))
    return qs


@permission_required("dashboards.view_reports")
@reads_may_lag()
def report_list(request: AuthedRequest) -> HttpResponse:
    qs = selectors.with_latest_version(_filters(request, selectors.reports_for(request.user)))
    if request.GET.get("all") != "1":
        from django.db.models import F

        qs = qs.filter(version=F("latest"))
    qs = qs.order_by("-period_end", "kind", "district__code", "-version")
    runs = selectors.report_runs_for(request.user).filter(requested_by=request.user)[:5]
    return render(request, "dashboards/report_list.html", {
        "page_obj": paginate(qs, request), "kinds": ReportKind.choices, "districts": selectors.report_districts(request.user),
        "city": selectors.reports_city(request.user), "runs": runs,
        "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1),
    })  # fmt: skip


def _comparison(report: IssuedReport, other: IssuedReport | None) -> list[dict[str, Any]]:
    """The report's summary beside another issued report's (same indicator labels)."""
    if other is None:
        return []
    theirs = {r["label"]: r for r in other.figures.get("summary", [])}
    rows = []
    for r in report.figures.get("summary", []):
        o = theirs.get(r["label"], {})
        a, b = r.get("current"), o.get("current")
        change = None
        if a is not None and b is not None:
            change = round(a - b, 1) if r["unit"] == "%" else (round(100 * (a - b) / b, 1) if b else None)
        rows.append({"label": r["label"], "unit": r["unit"], "a": report_files.cell(a, r["unit"]),
                     "b": report_files.cell(b, r["unit"]), "change": report_files.signed(change, r["unit"])})  # fmt: skip
    return rows


@permission_required("dashboards.view_reports")
@reads_may_lag()
def report_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(selectors.reports_for(request.user), pk=pk)
    others = selectors.comparable_reports(report, request.user).order_by("-period_end", "-version")
    other = None
    compare = request.GET.get("compare", "")
    if compare.isdigit():
        other = others.filter(pk=int(compare)).first()
    head, rows = report_files.summary_table(report.figures)
    versions = (
        selectors.reports_for(request.user)
        .filter(
            kind=report.kind,
            district=report.district,
            period_start=report.period_start,
            period_end=report.period_end,
        )
        .order_by("-version")
    )
    return render(request, "dashboards/report_detail.html", {
        "report": report, "summary_head": head, "summary_rows": rows, "sections": report.figures.get("sections", []),
        "others": others[:50], "other": other, "comparison": _comparison(report, other), "versions": versions,
        "can_reissue": request.user.has_perm("dashboards.run_reports"),
    })  # fmt: skip


@permission_required("dashboards.view_reports")
def report_download(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404
    report = get_object_or_404(selectors.reports_for(request.user), pk=pk)
    try:  # a file missing from storage: FileNotFoundError, answered 404 "文件暂不可用" by common.middleware
        data = services.report_file_verified(report, fmt)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("dashboards:report_detail", pk=report.pk)
    resp = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    stem = f"report-{report.kind}-{report.district.code if report.district else 'city'}-{report.period_start:%Y%m%d}"
    resp["Content-Disposition"] = f'attachment; filename="{stem}-v{report.version}.{fmt}"'
    return resp


@permission_required("dashboards.run_reports")
def report_run_new(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    initial = {"kind": ReportKind.CUSTOM, "start": today.replace(day=1), "end": today}
    form = ReportRunForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.report_run_request(
                kind=form.cleaned_data["kind"], district=form.district(), start=form.cleaned_data["start"],
                end=form.cleaned_data.get("end"), by=request.user,
            )  # fmt: skip
        except PermissionDenied as exc:
            form.add_error("scope", str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已提交生成，完成后可在此下载。"))
            return redirect("dashboards:report_run", pk=run.pk)
    return render(request, "dashboards/report_run_new.html", {"form": form})


@permission_required("dashboards.view_reports")
def report_run(request: AuthedRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(selectors.report_runs_for(request.user), pk=pk)
    template = "dashboards/_report_progress.html" if request.htmx else "dashboards/report_run.html"
    resp = render(request, template, {"run": run, "step": min(100, run.progress // 10 * 10)})
    if request.htmx and request.GET.get("seen") and not run.is_active:
        resp["HX-Refresh"] = "true"
    return resp


@require_POST
@permission_required("dashboards.run_reports")
def report_reissue(request: AuthedRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(selectors.reports_for(request.user), pk=pk)
    try:
        run = services.report_reissue(report=report, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("dashboards:report_detail", pk=report.pk)
    messages.success(request, _("已提交重新生成，将作为新版本保存，原版本保留。"))
    return redirect("dashboards:report_run", pk=run.pk)
