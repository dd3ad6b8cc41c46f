"""The public portal (R10.3, R5.2, R6.4): outlets, the service guide, policy, notices, verification, rating.

Every public view is `@public`, reads only public information through `selectors`, and works without
JavaScript (the map and "use my location" add to it). Staff views manage policy materials.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.apps import apps
from django.contrib import messages
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sheyin.common import geo
from sheyin.common.access import permission_required, public
from sheyin.common.db_routing import reads_may_lag
from sheyin.common.forms import apply_errors
from sheyin.common.listing import paginate
from sheyin.cooperation.selectors import public_outlet_state

from . import coords, files, selectors, services
from .forms import MaterialForm, NearestForm, PlaqueForm, RateForm, RecordForm, WithdrawForm
from .models import PolicyMaterial
from .workflow import Status, allowed_targets

ELDERLY_COOKIE = "sheyin_elderly"
ELDERLY_MAX_AGE = 365 * 24 * 3600


def path_exists(path: str) -> bool:
    """Whether another app already serves `path` (pages that land later: plaque check, ratings…)."""
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def _catalogue_links() -> dict[str, bool]:
    return {"catalogue_public": path_exists("/catalogue/public/")}


# --- Home and search --------------------------------------------------------------------------------
@public
@require_GET
@reads_may_lag()
def home(request: HttpRequest) -> HttpResponse:
    data = selectors.home_data()
    ctx = {
        **data,
        "outlet_total": sum(c["n"] for c in data["district_counts"]),
        "catalogue": selectors.catalogue_in_force(),
    }
    return render(request, "portal/home.html", ctx)


@public
@require_GET
@reads_may_lag()
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    ctx: dict[str, Any] = {"q": q}
    if q:
        ctx["items"] = selectors.guide_items(q=q)[:20]
        outlets = selectors.find_outlets(q=q)
        ctx["outlets"] = list(outlets[:10])
        ctx["outlet_count"] = outlets.count()
        ctx["materials"] = list(selectors.published_materials(q=q)[:10])
    return render(request, "portal/search.html", ctx)


# --- Outlets ----------------------------------------------------------------------------------------
def _item_param(request: HttpRequest) -> selectors.GuideItem | None:
    code = request.GET.get("service", "").strip()[:30]
    return selectors.guide_item(code) if code else None


@public
@require_GET
@reads_may_lag()
def outlet_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    district = request.GET.get("district", "").strip()[:6]
    item = _item_param(request)
    qs = selectors.find_outlets(q=q, district=district, item=item)
    ctx = {
        "page_obj": paginate(qs, request),
        "districts": selectors.public_districts(),
        "items": selectors.guide_items(),
        "item": item,
        "q": q,
        "district": district,
        "points_url": reverse("portal:outlet_points") + "?" + request.GET.urlencode(),
    }
    return render(request, "portal/outlet_list.html", ctx)


@public
@require_GET
@reads_may_lag()
def outlet_points(request: HttpRequest) -> JsonResponse:
    """Map markers for the outlets a list shows: [lon, lat, code, name] (public data only)."""
    qs = selectors.find_outlets(
        q=request.GET.get("q", ""),
        district=request.GET.get("district", "").strip()[:6],
        item=_item_param(request),
    )
    points = [[lon, lat, code, name] for lon, lat, code, name in qs.values_list("lon", "lat", "code", "name")]
    return JsonResponse({"points": points})


@public
@require_GET
@reads_may_lag()
def nearest(request: HttpRequest) -> HttpResponse:
    form = NearestForm(request.GET if "lon" in request.GET else None)
    item = _item_param(request)
    ctx: dict[str, Any] = {
        "form": form,
        "item": item,
        "items": selectors.guide_items(),
        "districts_for_links": selectors.public_districts(),
        "points_url": reverse("portal:outlet_points") + (f"?service={quote(item.code)}" if item else ""),
    }
    if form.is_bound and form.is_valid():
        lon, lat = form.cleaned_data["lon"], form.cleaned_data["lat"]
        if form.cleaned_data["datum"] == "wgs84":
            # The browser's position is WGS-84; our data and map are GCJ-02 (see coords.py).
            lon, lat = coords.wgs84_to_gcj02(lon, lat)
        results = selectors.nearest_outlets(lon, lat, limit=10, item=item)
        ctx.update(
            {
                "point": {"lon": round(lon, 6), "lat": round(lat, 6)},
                "results": results,
                "outside_beijing": not geo.in_beijing(lon, lat),
                "map_data": {
                    "here": [round(lon, 6), round(lat, 6)],
                    "points": [[r.outlet.lon, r.outlet.lat, r.outlet.code, r.outlet.name] for r in results],
                },
            }
        )
    return render(request, "portal/nearest.html", ctx)


@public
@require_GET
@reads_may_lag()
def outlet_detail(request: HttpRequest, code: str) -> HttpResponse:
    outlet = selectors.outlet_by_code(code)
    if outlet is None:
        return _outlet_not_serving(request, code)
    offered = selectors.items_offered_at(outlet)
    by_category: dict[str, list[selectors.GuideItem]] = {}
    for it in offered:
        by_category.setdefault(it.category_label or _("其他"), []).append(it)
    others = [
        n for n in selectors.nearest_outlets(outlet.lon, outlet.lat, limit=4) if n.outlet.pk != outlet.pk
    ]
    ctx = {
        "outlet": outlet,
        "by_category": by_category,
        "catalogue": selectors.catalogue_in_force(),
        "others": others[:3],
        "map_data": {"points": [[outlet.lon, outlet.lat, outlet.code, outlet.name]], "zoom": 8},
    }
    return render(request, "portal/outlet_detail.html", ctx)


def _outlet_not_serving(request: HttpRequest, code: str) -> HttpResponse:
    """An outlet that was open to the public but is not serving now says so (a QR code on its plaque or
    an old link leads here): suspended, with the dates, or terminated, with the date (R6.4). An outlet
    that never opened does not exist for the public."""
    state = public_outlet_state(code)
    if state is None:
        raise Http404
    outlet = state["outlet"]
    others = selectors.nearest_outlets(outlet.lon, outlet.lat, limit=4)
    ctx = {**state, "others": [n for n in others if n.outlet.pk != outlet.pk][:3]}
    return render(request, "portal/outlet_not_serving.html", ctx)  # a page that explains, not an error


@public
@require_GET
@cache_control(max_age=86400, public=True)
def boundaries(request: HttpRequest) -> HttpResponse:
    """Beijing district boundaries for the public map (the staff copy needs a login)."""
    return HttpResponse(geo.geojson_text(), content_type="application/geo+json")


# --- Service guide ----------------------------------------------------------------------------------
@public
@require_GET
@reads_may_lag()
def service_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "").strip()[:20]
    channel = request.GET.get("channel", "").strip()[:1]
    catalogue = selectors.catalogue_in_force()
    items = selectors.guide_items(q=q, category=category, channel=channel)
    groups: dict[str, list[selectors.GuideItem]] = {}
    for it in items:
        groups.setdefault(it.category_label or _("其他"), []).append(it)
    categories = []
    if catalogue is not None:
        seen: dict[str, str] = {}
        for it in catalogue.items:
            seen.setdefault(it.category, it.category_label or it.category)
        categories = list(seen.items())
    ctx = {
        "catalogue": catalogue,
        "groups": groups,
        "count": len(items),
        "q": q,
        "category": category,
        "channel": channel,
        "categories": categories,
        "channels": [("T", selectors.channel_label("T")), ("O", selectors.channel_label("O")),
                     ("W", selectors.channel_label("W"))],
        **_catalogue_links(),
    }  # fmt: skip
    return render(request, "portal/service_list.html", ctx)


@public
@require_GET
@reads_may_lag()
def service_detail(request: HttpRequest, code: str) -> HttpResponse:
    item = selectors.guide_item(code)
    if item is None:
        raise Http404
    offering = selectors.find_outlets(item=item)
    per_district: dict[str, dict[str, Any]] = {}
    for d_code, d_name in offering.values_list("district__code", "district__district_name"):
        row = per_district.setdefault(d_code, {"code": d_code, "name": d_name, "n": 0})
        row["n"] += 1
    item_page = f"/catalogue/public/items/{quote(item.code)}/"
    ctx = {
        "item": item,
        "catalogue": selectors.catalogue_in_force(),
        "per_district": sorted(per_district.values(), key=lambda r: r["code"]),
        "offering_total": sum(r["n"] for r in per_district.values()),
        "materials": list(selectors.published_materials(item_code=item.code)),
        "catalogue_item_url": item_page if path_exists(item_page) else "",
    }
    return render(request, "portal/service_detail.html", ctx)


# --- Policy and help (R5.3) -------------------------------------------------------------------------
@public
@require_GET
@reads_may_lag()
def policy_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "").strip()
    kind = kind if kind in PolicyMaterial.Kind.values else ""
    q = request.GET.get("q", "").strip()[:100]
    qs = selectors.published_materials(kind=kind, q=q)
    ctx = {"page_obj": paginate(qs, request), "kinds": PolicyMaterial.Kind.choices, "kind": kind, "q": q}
    return render(request, "portal/policy_list.html", ctx)


@public
@require_GET
@reads_may_lag()
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    material = get_object_or_404(selectors.published_materials(), pk=pk)
    items = [i for i in (selectors.guide_item(c) for c in material.item_codes) if i is not None]
    return render(request, "portal/policy_detail.html", {"material": material, "items": items})


@public
@require_http_methods(["GET", "HEAD"])
def material_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The file of a material: public once published; drafts only for those who manage materials."""
    material = get_object_or_404(PolicyMaterial, pk=pk)
    if not material.file:
        raise Http404
    if not material.is_published:
        if not request.user.has_perm("portal.manage_materials"):
            raise Http404
        material = get_object_or_404(selectors.materials_for(request.user), pk=pk)
    # A file missing from storage (a partial restore) raises FileNotFoundError: common.middleware answers
    # 404 "文件暂不可用" with its explanation, as for every stored file.
    fh = material.file.open("rb")
    size = material.file.size
    etag = f'"m{material.pk}-{size}-{int(material.updated_at.timestamp())}"'
    ext = files.EXTENSIONS.get(material.file_type, "")
    resp = files.ranged_response(
        request,
        fh,
        size=size,
        content_type=files.CONTENT_TYPES.get(material.file_type, "application/octet-stream"),
        filename=f"{material.title}{ext}",
        etag=etag,
        max_age=3600 if material.is_published else 0,
    )
    if not material.is_published:
        resp["Cache-Control"] = "private, no-store"
    return resp


# --- Notices (R5.2 catalogue versions, R6.4 terminations, new outlets) ------------------------------
@public
@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    kinds = selectors.notice_kinds()
    kind = request.GET.get("kind", "").strip()
    kind = kind if kind in {k for k, _l in kinds} else ""
    qs = selectors.notices(kind)
    ctx = {"page_obj": paginate(qs, request) if qs is not None else None, "kinds": kinds, "kind": kind}
    return render(request, "portal/notice_list.html", ctx)


def _notice_link(notice: Any) -> str:
    """Where a notice's subject can be seen on the portal, if anywhere."""
    if notice.object_type == "institutions.outlet" and notice.object_id.isdigit():
        outlet = selectors.public_outlets().filter(pk=int(notice.object_id)).first()
        return reverse("portal:outlet_detail", args=[outlet.code]) if outlet else ""
    if notice.object_type.startswith("catalogue."):
        return reverse("portal:service_list")
    if (
        notice.object_type == "portal.policymaterial"
        and notice.object_id.isdigit()
        and selectors.published_materials().filter(pk=int(notice.object_id)).exists()
    ):
        return reverse("portal:policy_detail", args=[int(notice.object_id)])
    return ""


@public
@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    qs = selectors.notices()
    if qs is None:
        raise Http404
    notice = get_object_or_404(qs, pk=pk)
    return render(request, "portal/notice_detail.html", {"notice": notice, "link": _notice_link(notice)})


class NoticeFeed(Feed):
    """Atom feed of public notices, newest first (django.contrib.syndication works without the sites
    framework: it falls back to the request's host)."""

    feed_type = Atom1Feed
    title = gettext_lazy("北京社保社银合作服务 · 公示公告")
    subtitle = gettext_lazy("新设网点、网点终止、服务事项清单版本等公示信息")
    author_name = gettext_lazy("北京市社会保险基金管理中心")

    def link(self) -> str:
        return reverse("portal:notice_list")

    def items(self) -> list[Any]:
        qs = selectors.notices()
        return list(qs[:50]) if qs is not None else []

    def item_title(self, item: Any) -> str:
        return item.title

    def item_description(self, item: Any) -> str:
        return item.body[:1000]

    def item_link(self, item: Any) -> str:
        return reverse("portal:notice_detail", args=[item.pk])

    def item_pubdate(self, item: Any) -> Any:
        return item.published_at

    def item_updateddate(self, item: Any) -> Any:
        return item.published_at

    def item_categories(self, item: Any) -> list[str]:
        return [str(item.get_kind_display())]


notice_feed = public(NoticeFeed())


# --- Verify a plaque or a printout; rate a service -------------------------------------------------
PLAQUE_PROBE = "/verify/plaque/PROBE-0001/"
RECORD_PROBE = "/verify/record/PROBE-0001/"


@public
@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    plaque_form = PlaqueForm(request.GET if "number" in request.GET else None)
    record_form = RecordForm(request.GET if "code" in request.GET else None)
    plaque_ready, record_ready = path_exists(PLAQUE_PROBE), path_exists(RECORD_PROBE)
    if plaque_form.is_bound and plaque_form.is_valid():
        target = f"/verify/plaque/{quote(plaque_form.cleaned_data['number'])}/"
        if path_exists(target):
            return HttpResponseRedirect(target)
        plaque_form.add_error(
            "number",
            _("标牌核验服务暂未开通，请稍后再试。") if not plaque_ready else _("标牌编号格式不正确。"),
        )
    if record_form.is_bound and record_form.is_valid():
        target = f"/verify/record/{quote(record_form.cleaned_data['code'])}/"
        if path_exists(target):
            return HttpResponseRedirect(target)
        record_form.add_error(
            "code", _("打印件核验服务暂未开通，请稍后再试。") if not record_ready else _("核验码格式不正确。")
        )
    ctx = {
        "plaque_form": plaque_form,
        "record_form": record_form,
        "plaque_ready": plaque_ready,
        "record_ready": record_ready,
    }
    return render(request, "portal/verify.html", ctx)


@public
@require_GET
def rate(request: HttpRequest) -> HttpResponse:
    """Entry to 好差评 from a receipt (R9.5). The rating pages themselves belong to the ratings app."""
    ready = apps.is_installed("sheyin.ratings")
    form = RateForm(request.GET if "code" in request.GET and ready else None)
    if form.is_bound and form.is_valid():
        target = f"/rate/{quote(form.cleaned_data['code'])}/"
        if path_exists(target):
            return HttpResponseRedirect(target)
        form.add_error("code", _("评价码格式不正确，请核对回执上的评价码。"))
    return render(request, "portal/rate.html", {"form": form, "ready": ready})


# --- Elderly-friendly mode (适老化) ------------------------------------------------------------------
@public
@require_http_methods(["GET", "POST"])
def elderly_mode(request: HttpRequest) -> HttpResponse:
    """Turn the larger-type, higher-contrast mode on or off; a cookie keeps the choice (no account).
    A GET (a typed or bookmarked address) changes nothing and goes back to the home page."""
    if request.method == "GET":
        return redirect("portal:home")
    nxt = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=False):
        nxt = reverse("portal:home")
    resp = redirect(nxt)
    if request.POST.get("mode") == "on":
        resp.set_cookie(ELDERLY_COOKIE, "1", max_age=ELDERLY_MAX_AGE, samesite="Lax", httponly=True,
                        secure=request.is_secure())  # fmt: skip
    else:
        resp.delete_cookie(ELDERLY_COOKIE, samesite="Lax")
    return resp


# --- Staff: policy materials ------------------------------------------------------------------------
@permission_required("portal.manage_materials")
@require_GET
def material_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.materials_for(request.user)
    q = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "").strip()
    if q:
        qs = qs.filter(title__icontains=q)
    if status in Status.values:
        qs = qs.filter(status=status)
    ctx = {"page_obj": paginate(qs, request), "statuses": Status.choices, "q": q, "status": status}
    return render(request, "portal/manage/material_list.html", ctx)


def _form_data(form: MaterialForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data["file"] = form.cleaned_data.get("file") or None
    return data


@permission_required("portal.manage_materials")
@require_http_methods(["GET", "POST"])
def material_create(request: HttpRequest) -> HttpResponse:
    form = MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            material = services.material_create(data=_form_data(form), by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("资料已保存为草稿。"))
            return redirect("portal:material_detail", pk=material.pk)
    return render(request, "portal/manage/material_form.html", {"form": form})


@permission_required("portal.manage_materials")
@require_GET
def material_detail(request: HttpRequest, pk: int) -> HttpResponse:
    material = get_object_or_404(selectors.materials_for(request.user), pk=pk)
    ctx = {
        "material": material,
        "targets": allowed_targets(material.status),
        "withdraw_form": WithdrawForm(),
    }
    return render(request, "portal/manage/material_detail.html", ctx)


@permission_required("portal.manage_materials")
@require_http_methods(["GET", "POST"])
def material_edit(request: HttpRequest, pk: int) -> HttpResponse:
    material = get_object_or_404(selectors.materials_for(request.user), pk=pk)
    initial = {
        "title": material.title,
        "kind": material.kind,
        "summary": material.summary,
        "body": material.body,
        "item_codes": " ".join(material.item_codes),
    }
    form = MaterialForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.material_update(material=material, data=_form_data(form), by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("资料已更新。"))
            return redirect("portal:material_detail", pk=material.pk)
    return render(request, "portal/manage/material_form.html", {"form": form, "material": material})


@permission_required("portal.manage_materials")
@require_POST
def material_publish(request: HttpRequest, pk: int) -> HttpResponse:
    material = get_object_or_404(selectors.materials_for(request.user), pk=pk)
    try:
        services.material_publish(material=material, by=request.user)
    except ValidationError as exc:
        for msgs in exc.message_dict.values():
            for m in msgs:
                messages.error(request, m)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("资料已发布，公众可在门户查看。"))
    return redirect("portal:material_detail", pk=pk)


@permission_required("portal.manage_materials")
@require_POST
def material_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    material = get_object_or_404(selectors.materials_for(request.user), pk=pk)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.material_withdraw(material=material, by=request.user, reason=reason)
    except ValidationError as exc:
        for msgs in exc.message_dict.values():
            for m in msgs:
                messages.error(request, m)
    else:
        messages.success(request, _("资料已撤回，公众不再可见。"))
    return redirect("portal:material_detail", pk=pk)
