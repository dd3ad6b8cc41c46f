"""Response rules for every page and API call (R9.3, 等保 level 3).

- **HEAD is answered like GET**, without a body (RFC 9110): the view runs as for GET, the status and
  headers (Content-Length too) are the GET's.
- **Cache-Control: no-store** on everything that is not a public page seen anonymously: workbench
  pages, the terminal, logins, receipts, exports and downloads (any attachment or document type), and
  every API answer except the public reads. A shared computer or proxy keeps no copy of personal data.
- **Permissions-Policy**: no camera, microphone, payment, USB … for any page; geolocation for this site
  only (the portal's "use my location").
- **A busy database** (sheyin.common.db) during a page request is a friendly 503 page with Retry-After,
  not a server error (here for the view; `views.error_500` for a middleware that met it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.loader import render_to_string

from .access import rule_of
from .db import is_busy
from .views import busy_response

logger = logging.getLogger(__name__)

PERMISSIONS_POLICY = ", ".join(
    [
        "accelerometer=()",
        "autoplay=()",
        "camera=()",
        "display-capture=()",
        "encrypted-media=()",
        "fullscreen=(self)",
        "geolocation=(self)",
        "gyroscope=()",
        "magnetometer=()",
        "microphone=()",
        "midi=()",
        "payment=()",
        "picture-in-picture=()",
        "publickey-credentials-get=()",
        "screen-wake-lock=()",
        "usb=()",
        "xr-spatial-tracking=()",
    ]
)
# Public by access rule, yet never to be cached: the terminal (a citizen's records), logins and forms
# that carry a CSRF token, printout verification.
NEVER_CACHED_PREFIXES = ("/kiosk/", "/accounts/", "/verify/", "/rate/", "/i18n/", "/integration/")
# The API's public reads and its documentation may be cached; every other API answer is personal.
CACHEABLE_API_PREFIXES = ("/api/v1/public/", "/api/v1/catalogue/", "/api/v1/openapi.json", "/api/v1/docs")
API_PREFIX = "/api/"
STATIC_PREFIXES = ("/static/", "/favicon")
# Answers that are documents (receipts, exports, downloads) whatever the URL.
DOCUMENT_TYPES = (
    "application/pdf",
    "application/vnd.",
    "application/zip",
    "application/octet-stream",
    "text/csv",
    "image/",
)
ACCESS_RULE = "_sheyin_access_rule"


def _is_document(response: HttpResponseBase) -> bool:
    disposition = response.get("Content-Disposition", "").lower()
    content_type = response.get("Content-Type", "").lower()
    return disposition.startswith("attachment") or content_type.startswith(DOCUMENT_TYPES)


def cacheable(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Whether a shared cache may keep this answer: public information seen by an anonymous visitor."""
    path = request.path
    if path.startswith(STATIC_PREFIXES):
        return True
    user = getattr(request, "user", None)
    if (user is not None and user.is_authenticated) or path.startswith(NEVER_CACHED_PREFIXES):
        return False
    if path.startswith(API_PREFIX):
        return path.startswith(CACHEABLE_API_PREFIXES)
    if _is_document(response):
        return False
    rule = getattr(request, ACCESS_RULE, None)
    return rule is not None and rule[0] == "public"


class ResponseRulesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        head = request.method == "HEAD"
        if head:
            request.method = "GET"  # the view answers as for GET; the body is dropped below
        response = self.get_response(request)
        if head:
            request.method = "HEAD"
            _drop_body(response)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if not cacheable(request, response):
            if "no-store" not in response.get("Cache-Control", ""):  # a view's "private, no-store" stays
                response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response

    def process_view(self, request: HttpRequest, view_func: Any, args: Any, kwargs: Any) -> None:
        setattr(request, ACCESS_RULE, rule_of(view_func))

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, FileNotFoundError):
            # A record whose file is not in storage (a partial restore, a lost upload): a 404 that says so,
            # never a 500 (docs/operations.md, restore drill).
            logger.error("stored file missing on %s %s: %s", request.method, request.path, exception)
            return HttpResponse(render_to_string("file_missing.html", request=request), status=404)
        if not is_busy(exception):
            return None
        logger.warning("database busy on %s %s", request.method, request.path)
        return busy_response()


def _drop_body(response: HttpResponseBase) -> None:
    if response.streaming:
        response.streaming_content = []  # type: ignore[attr-defined]  # its file is closed with the response
        return
    length = response.get("Content-Length") or str(len(response.content))  # type: ignore[attr-defined]
    response.content = b""  # type: ignore[attr-defined]
    response["Content-Length"] = length


class ListQueryMiddleware:
    """A list asked with a malformed query (sheyin.common.listing) answers 400: the page shows the field's
    message above the list and no rows; an export is refused outright (issue 17 item 1)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        lq = getattr(request, "list_query", None)
        if lq is not None and not lq.valid and response.status_code == 200:
            if _is_document(response):
                return self._refused(request, lq)
            response.status_code = 400
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        from .listing import InvalidListQuery

        if isinstance(exception, InvalidListQuery):
            return self._refused(request, exception.query)
        return None

    def _refused(self, request: HttpRequest, lq: Any) -> HttpResponse:
        from django.shortcuts import render

        params = request.GET.copy()
        params.pop("export", None)
        back = f"{request.path}?{params.urlencode()}" if params else request.path
        return render(request, "includes/list_invalid.html", {"list_query": lq, "back": back}, status=400)
