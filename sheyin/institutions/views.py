from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.http import AuthedRequest
from sheyin.common.access import permission_required
from sheyin.common.exports import export_response
from sheyin.common.forms import apply_errors
from sheyin.common.listing import (
    Column,
    Filter,
    ListQuery,
    ListSpec,
    apply,
    list_view,
    paginate,
    query_form,
    scope_filters,
)

from . import selectors, services
from .forms import AgencyForm, BankForm, OutletContactForm
from .models import Bank, Outlet, OutletStatus

OUTLET_LIST = ListSpec(
    search_fields=("name", "address", "code"),
    filters={"district": "district_id", "bank": "bank_id", "status": "status"},
    order_by=("district__code", "code"),
    sorts={"code": "code", "name": "name", "bank": "bank__name", "district": "district__code"},
    empty_hint=gettext_lazy("没有符合条件的网点。请放宽查询条件；新网点须由银行提出网点设立申请。"),
)
OUTLET_COLUMNS = [
    Column(gettext_lazy("网点编号"), lambda o: o.code),
    Column(gettext_lazy("网点名称"), lambda o: o.name),
    Column(gettext_lazy("银行"), lambda o: o.bank.name),
    Column(gettext_lazy("所在区"), lambda o: o.district.district_name),
    Column(gettext_lazy("地址"), lambda o: o.address),
    Column(gettext_lazy("经度"), lambda o: o.lon),
    Column(gettext_lazy("纬度"), lambda o: o.lat),
    Column(gettext_lazy("营业时间"), lambda o: o.opening_hours),
    Column(gettext_lazy("人工窗口数"), lambda o: o.windows),
    Column(gettext_lazy("自助终端数"), lambda o: o.terminals),
    Column(gettext_lazy("状态"), lambda o: o.get_status_display()),
]


@list_view(OUTLET_LIST)
@permission_required("institutions.view")
def outlet_list(request: AuthedRequest) -> HttpResponse:
    qs = apply(selectors.outlets_for(request.user), request, OUTLET_LIST)
    if request.GET.get("export") == "xlsx":
        if not request.user.has_perm("institutions.export"):
            messages.error(request, _("您没有导出权限。"))
            return redirect(request.path)
        return export_response(
            request, filename="outlets", title=_("合作网点"), columns=OUTLET_COLUMNS, qs=qs
        )
    ctx = {
        "page_obj": paginate(qs, request),
        "districts": selectors.districts(),
        "banks": selectors.banks_for(request.user),
        "statuses": OutletStatus.choices,
    }
    template = "institutions/_outlet_rows.html" if request.htmx else "institutions/outlet_list.html"
    return render(request, template, ctx)


@permission_required("institutions.view")
def outlet_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    outlet = get_object_or_404(selectors.outlets_for(request.user), pk=pk)
    live = [OutletStatus.ACCEPTED, OutletStatus.OPERATING, OutletStatus.SUSPENDED]
    return render(request, "institutions/outlet_detail.html", {"outlet": outlet, "live_statuses": live})


@permission_required("institutions.view")
def outlet_pick(request: AuthedRequest) -> JsonResponse:
    """Picker/autocomplete: only outlets in the user's scope, at most 20."""
    q = request.GET.get("q", "").strip()[:50]
    qs = selectors.outlets_for(request.user)
    if q:
        qs = qs.filter(name__icontains=q)
    return JsonResponse({"results": [{"id": o.pk, "text": f"{o.code} {o.name}"} for o in qs[:20]]})


# The dependent selects of a list's district/bank/outlet filters (sheyin/static/sheyin/filters.js).
FILTER_OPTIONS = ListSpec(
    filters={
        **scope_filters(""),
        "outlet": Filter("id", kind="model", model=Outlet, label=gettext_lazy("网点")),
    }
)


@permission_required("institutions.view")
def filter_options(request: AuthedRequest) -> JsonResponse:
    """The bank and outlet options a list's filter offers for the chosen district and bank, as JSON: only
    the user's scope; a district or bank outside it answers 400 with the field's message, as a list does.
    A chosen bank without outlets in the chosen district is dropped (the select falls back to 全部银行)."""
    params = {k: request.GET[k] for k in ("district", "bank") if request.GET.get(k)}
    lq = ListQuery(FILTER_OPTIONS, query_form(FILTER_OPTIONS, Outlet, request.user, params))
    if not lq.valid:
        return JsonResponse(
            {"errors": [{"field": str(label), "message": str(msg)} for label, msg in lq.errors]}, status=400
        )
    bank = lq.form.cleaned_data.get("bank")
    banks = lq.form.scope_queryset("bank")
    if bank is not None and banks is not None and not banks.filter(pk=bank.pk).exists():
        params.pop("bank")
        lq = ListQuery(FILTER_OPTIONS, query_form(FILTER_OPTIONS, Outlet, request.user, params))
    return JsonResponse({name: lq.scope_options(name).as_json() for name in ("bank", "outlet")})


@permission_required("institutions.view")
def outlet_create(request: AuthedRequest) -> HttpResponse:
    """No outlet is registered on its own: an outlet comes into being only through an outlet application
    (R4.2). The old 登记网点 address leads there."""
    messages.info(
        request, _("合作网点须通过网点设立申请登记：由银行提出申请，经区级经办机构受理、现场检查和验收。")
    )
    if request.user.has_perm("cooperation.apply_outlet"):
        return redirect("cooperation:application_create")
    return redirect("institutions:outlet_list")


@permission_required("institutions.edit_outlet")
def outlet_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Contact details and opening hours only; the facts a rule depends on are shown with the way to
    change them (the application before acceptance, a change request afterwards)."""
    outlet = get_object_or_404(selectors.outlets_for(request.user), pk=pk)
    if outlet.status == OutletStatus.TERMINATED:
        messages.error(request, _("该网点已终止合作，网点信息不能再修改。"))
        return redirect("institutions:outlet_detail", pk=outlet.pk)
    form = OutletContactForm(request.POST or None, instance=selectors.outlets_for(request.user).get(pk=pk))
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.CONTACT_FIELDS}
        try:
            services.outlet_update(outlet=outlet, data=data, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("网点联系方式已保存。"))
            return redirect("institutions:outlet_detail", pk=outlet.pk)
    return render(request, "institutions/outlet_form.html", {"form": form, "outlet": outlet})


BANK_LIST = ListSpec(
    search_fields=("name", "short_name", "uscc"),
    filters={"status": "status"},
    order_by=("name",),
    # outlets: the operating outlets counted by the selector (banks_for), in the database
    sorts={"name": "name", "uscc": "uscc", "status": "status", "outlets": "outlet_count"},
)
BANK_COLUMNS = [
    Column(gettext_lazy("银行名称"), lambda b: b.name),
    Column(gettext_lazy("简称"), lambda b: b.short_name),
    Column(gettext_lazy("统一社会信用代码"), lambda b: b.uscc),
    Column(gettext_lazy("合作状态"), lambda b: b.get_status_display()),
    Column(gettext_lazy("运营网点数"), lambda b: b.outlet_count),
]


@list_view(BANK_LIST)
@permission_required("institutions.view")
def bank_list(request: AuthedRequest) -> HttpResponse:
    qs = apply(selectors.banks_for(request.user), request, BANK_LIST)
    if request.GET.get("export") == "xlsx" and request.user.has_perm("institutions.export"):
        return export_response(request, filename="banks", title=_("合作银行"), columns=BANK_COLUMNS, qs=qs)
    return render(
        request,
        "institutions/bank_list.html",
        {"page_obj": paginate(qs, request), "statuses": Bank.Status.choices},
    )


@permission_required("institutions.view")
def bank_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    bank = get_object_or_404(selectors.banks_for(request.user), pk=pk)
    outlets = selectors.outlets_for(request.user).filter(bank=bank)
    return render(
        request, "institutions/bank_detail.html", {"bank": bank, "outlets": paginate(outlets, request)}
    )


@permission_required("institutions.create_bank")
def bank_create(request: AuthedRequest) -> HttpResponse:
    form = BankForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            bank = services.bank_create(data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("银行已登记。"))
            return redirect("institutions:bank_detail", pk=bank.pk)
    return render(request, "institutions/bank_form.html", {"form": form})


@permission_required("institutions.edit_bank")
def bank_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    bank = get_object_or_404(selectors.banks_for(request.user), pk=pk)
    form = BankForm(request.POST or None, instance=Bank.objects.get(pk=bank.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.bank_update(bank=bank, data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("银行信息已保存。"))
            return redirect("institutions:bank_detail", pk=bank.pk)
    return render(request, "institutions/bank_form.html", {"form": form, "bank": bank})


@permission_required("institutions.view")
def agency_list(request: AuthedRequest) -> HttpResponse:
    return render(
        request, "institutions/agency_list.html", {"agencies": selectors.agencies_for(request.user)}
    )


@permission_required("institutions.edit_agency")
def agency_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    agency = get_object_or_404(selectors.agencies_for(request.user), pk=pk)
    form = AgencyForm(request.POST or None, instance=type(agency).objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.agency_update(agency=agency, data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("经办机构信息已保存。"))
            return redirect("institutions:agency_list")
    return render(request, "institutions/agency_form.html", {"form": form, "agency": agency})


@permission_required("institutions.edit_calendar")
def calendar(request: AuthedRequest) -> HttpResponse:
    """The holiday calendar the municipal center maintains (design rule 9)."""
    import datetime as dt

    from django.utils import timezone

    from .forms import CalendarDayForm, HolidayYearForm
    from .models import CalendarDay, HolidaySchedule
    from .workdays import unpublished_years

    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    day_form = CalendarDayForm(request.POST if request.POST.get("form") == "day" else None)
    year_form = HolidayYearForm(
        request.POST if request.POST.get("form") == "year" else None, initial={"year": year}
    )
    if request.method == "POST":
        form = day_form if request.POST.get("form") == "day" else year_form
        if form.is_valid():
            try:
                if form is day_form:
                    services.calendar_day_set(**form.cleaned_data, by=request.user)
                    year = form.cleaned_data["date"].year
                else:
                    services.holiday_schedule_publish(**form.cleaned_data, by=request.user)
                    year = form.cleaned_data["year"]
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("日历已更新。"))
                return redirect(f"{request.path}?year={year}")
    days = CalendarDay.objects.filter(date__year=year)
    return render(
        request,
        "institutions/calendar.html",
        {
            "year": year,
            "years": range(today.year - 1, today.year + 2),
            "days": days,
            "published": HolidaySchedule.objects.filter(year=year).first(),
            "unpublished": unpublished_years(today),
            "day_form": day_form,
            "year_form": year_form,
            "first": dt.date(year, 1, 1),
        },
    )
