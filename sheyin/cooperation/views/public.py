"""Public pages: plaque verification (R4.4, R6.4). Nothing personal is shown."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from sheyin.common.access import public
from sheyin.institutions.models import OutletStatus

from .. import selectors
from ..workflow import PlaqueStatus


def _portal_page(code: str) -> str:
    """The outlet's page on the public portal (where its services and opening hours are listed)."""
    try:
        return reverse("portal:outlet_detail", args=[code])
    except NoReverseMatch:  # the portal is not mounted
        return ""


@public
def verify_plaque(request: HttpRequest, number: str) -> HttpResponse:
    plaque = selectors.plaque_public(number)
    status = 200 if plaque is not None else 404
    valid = plaque is not None and plaque.status == PlaqueStatus.VALID
    suspended = valid and plaque is not None and plaque.outlet.status == OutletStatus.SUSPENDED
    return render(
        request,
        "cooperation/verify_plaque.html",
        {
            "plaque": plaque,
            "number": number[:30],
            "valid": valid,
            "suspended": suspended,
            "suspension": selectors.current_suspension(plaque.outlet) if suspended and plaque else None,
            "portal_url": _portal_page(plaque.outlet.code) if valid and plaque else "",
        },
        status=status,
    )
