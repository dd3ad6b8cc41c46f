"""Registry invariants shared by forms, imports, commands and the API (through the services)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from sheyin.common import geo
from sheyin.common.identifiers import check_phone

from .models import Agency


def location_errors(lon: float | None, lat: float | None, district: Agency | None) -> dict[str, str]:
    """Coordinates must be in Beijing and inside the declared district's boundary."""
    if lon is None or lat is None:
        return {"lon": _("请填写经纬度。")}
    if not geo.valid_coordinates(lon, lat):
        return {"lon": _("经纬度数值无效。")}
    found = geo.district_of(lon, lat)
    if found is None:
        return {
            "lon": _("该坐标不在北京市范围内（经度%(lon).6f，纬度%(lat).6f）。") % {"lon": lon, "lat": lat}
        }
    if district is not None and found != district.code:
        actual = geo.districts()[found].name
        return {
            "district": _("坐标位于%(actual)s，与所填所在区“%(declared)s”不一致。")
            % {"actual": actual, "declared": district.district_name or district.name}
        }
    return {}


def phone_error(phone: str) -> str:
    """A public phone number: digits with the usual separators (010-12345678, 13800000000, 12333, 400-…);
    empty is allowed here (a form that needs one says so). Returns the reason, or ""."""
    phone = phone.strip()
    if not phone:
        return ""
    checked = check_phone(phone)
    return "" if checked.ok else str(checked.error)
