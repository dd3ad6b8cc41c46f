"""Shell views shared by every part: friendly error pages (the language switch is accounts' set_language)."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token

from .db import RETRY_AFTER_SECONDS, is_busy


@requires_csrf_token
def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


@requires_csrf_token
def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def busy_response() -> HttpResponse:
    """The friendly 503 page for a busy database, rendered without touching the database again."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@requires_csrf_token
def error_500(request: HttpRequest) -> HttpResponse:
    if is_busy(sys.exc_info()[1]):  # a middleware met a busy database: retryable
        return busy_response()
    return render(request, "500.html", status=500)


@requires_csrf_token
def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_busy(exception):  # e.g. the session could not be saved because the database was busy
        return busy_response()
    return render(request, "400.html", status=400)
