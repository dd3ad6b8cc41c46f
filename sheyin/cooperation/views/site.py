"""The site of an outlet as it is entered (R8.4): the map picker's configuration and its live layout check,
a scoped JSON endpoint. The application form and the change request form both use them."""

from __future__ import annotations

import math
from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sheyin.common.access import permission_required
from sheyin.institutions import services as registry
from sheyin.institutions.selectors import districts

from .. import selectors

MAX_OUTLETS = 30


def site_picker_config(*, district: Any = None, exclude: Any = None) -> dict[str, Any]:
    """What the picker script needs (words translated here: scripts hold no text)."""
    return {
        "checkUrl": reverse("cooperation:layout_check"),
        "boundariesUrl": reverse("dashboards:boundaries"),
        "district": district.pk if district is not None else None,
        "exclude": exclude.pk if exclude is not None else None,
        "labels": {
            "site": _("拟设网点位置"),
            "outlet": _("已设网点"),
            "office": _("社保经办机构"),
            "circle": _("最小间距范围"),
            "meters": _("米"),
            "checking": _("正在核查布局…"),
            "ok": _("符合最小间距要求。"),
            "bad": _("不符合最小间距要求："),
            "badNote": _("提交后须由区级经办机构说明理由，经市级经办机构批准布局例外后方可验收或变更。"),
            "rule": _("%(district)s最小间距：与网点%(outlet)s米，与社保经办机构%(office)s米。"),
            "pick": _("在地图上点击即可选定位置，或直接填写经纬度。"),
            "failed": _("布局核查暂时无法完成，请稍后重试；提交时将再次核查。"),
        },
    }


def _number(raw: str | None) -> float | None:
    try:
        value = float((raw or "").strip()[:32])
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@require_GET
@permission_required("cooperation.view")
def layout_check(request: HttpRequest) -> JsonResponse:
    """The layout check of a site (lon, lat, district, and the outlet to leave out when it moves). Every
    error comes back at once; names are text for the script to show as text."""
    lon, lat = _number(request.GET.get("lon")), _number(request.GET.get("lat"))
    raw_district = (request.GET.get("district") or "").strip()
    district = districts().filter(pk=int(raw_district)).first() if raw_district.isdigit() else None
    exclude_id = None
    raw_outlet = (request.GET.get("outlet") or "").strip()
    if raw_outlet:
        if not raw_outlet.isdigit():
            raise Http404
        outlet = selectors.lifecycle_outlets_for(request.user).filter(pk=int(raw_outlet)).first()
        if outlet is None:  # another party's outlet does not exist for this user
            raise Http404
        exclude_id = outlet.pk
    errors: dict[str, str] = {}
    if district is None:
        errors["district"] = _("请选择所在区。")
    if lon is None or lat is None:
        errors["lon"] = _("请填写经纬度。")
    else:
        errors.update(registry.site_errors(lon, lat, district))
    body: dict[str, Any] = {"errors": errors, "checked": False, "ok": False}
    if district is not None:
        body.update(
            district=district.district_name,
            min_outlet_m=district.min_outlet_distance_m,
            min_office_m=district.min_office_distance_m,
        )
    if district is not None and lon is not None and lat is not None and "lon" not in errors:
        result = selectors.site_layout(lon=lon, lat=lat, district=district, exclude_outlet_id=exclude_id)
        bad = {(v.kind, v.pk) for v in result.violations}
        near = {(n.kind, n.pk) for n in result.outlets}
        outlets = result.outlets + [
            v for v in result.violations if v.kind == "outlet" and ("outlet", v.pk) not in near
        ]
        body.update(
            checked=True,
            ok=result.ok and not errors,
            violations=result.violation_texts(),
            outlets=[
                {
                    "name": n.name,
                    "bank": n.detail,
                    "lon": n.lon,
                    "lat": n.lat,
                    "d": n.distance_m,
                    "bad": ("outlet", n.pk) in bad,
                }
                for n in sorted(outlets, key=lambda n: n.distance_m)[:MAX_OUTLETS]
            ],
            offices=[
                {
                    "name": n.name,
                    "lon": n.lon,
                    "lat": n.lat,
                    "d": n.distance_m,
                    "bad": ("office", n.pk) in bad,
                }
                for n in result.offices
            ],
        )
    return JsonResponse(body)
