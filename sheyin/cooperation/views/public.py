"""Public pages: plaque verification (R4.4, R6.4). Nothing personal is shown."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sheyin.common.access import public

from .. import selectors
from ..workflow import PlaqueStatus


@public
def verify_plaque(request: HttpRequest, number: str) -> HttpResponse:
    plaque = selectors.plaque_public(number)
    status = 200 if plaque is not None else 404
    return render(
        request,
        "cooperation/verify_plaque.html",
        {
            "plaque": plaque,
            "number": number[:30],
            "valid": plaque is not None and plaque.status == PlaqueStatus.VALID,
        },
        status=status,
    )
