"""`SheyinAPI`: the NinjaAPI every router is mounted on, with the cross-cutting rules of the contract.

Around every operation (whatever app contributed it):
- before anything is looked up or written, the per-source limits (throttle.py): a flooding address or a
  source whose authentication keeps failing is answered 429 at once;
- authentication by the router's `auth=` (auth.py) and a per-caller rate limit (throttle.py);
- writes (POST/PUT/PATCH) run in one transaction with their Idempotency-Key record (idempotency.py);
- every exception becomes `application/problem+json` (problems.py), a 405 too, and unknown paths under
  /api/v1/ answer a 404 problem rather than an HTML page; a busy database is retried briefly, then
  answered 503 `service_unavailable` with Retry-After;
- every call that presents (or lacks) credentials is an audit event "api.call" naming the caller,
  with method, path, status and problem code — never the body; a refused authentication or a call over
  the rate limit is counted instead (services.refusal_count) and each source's minute of refusals
  becomes one audit event "api.refused", so a flood cannot write one chained row per request;
- the OpenAPI document lists the problem responses, the Idempotency-Key header and the signing scheme;
- /docs serves Swagger UI from local files (docs.py).
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, re_path, reverse
from django.utils import translation
from ninja import NinjaAPI

from sheyin.audit.context import address_of
from sheyin.audit.models import Outcome
from sheyin.audit.services import record
from sheyin.common.db import is_busy

from . import idempotency, problems, services, signing, throttle
from .docs import LocalSwagger, asset
from .principal import ClientPrincipal, audit_name_of
from .schemas import Problem
from .throttle import CallerRateThrottle

logger = logging.getLogger(__name__)

ROUTE_NAMES_KEPT = {"openapi-json", "openapi-view", "api-root"}


def _outcome(status: int) -> str:
    if status < 400:
        return Outcome.SUCCESS
    if status in (401, 403, 429):
        return Outcome.DENIED
    return Outcome.FAILURE


def _actor(request: HttpRequest) -> tuple[Any, str, dict[str, Any]]:
    """(user or None, actor name, facts) for the audit event of this call."""
    principal = getattr(request, "api_principal", None)
    client = getattr(request, "_sheyin_client", None)
    token = getattr(request, "_sheyin_token", None)
    facts: dict[str, Any] = {}
    if isinstance(principal, ClientPrincipal):
        client = principal.client
    if client is not None:
        facts.update(client=client.name, bank=client.bank.short_name)
    if token is not None:
        facts["token"] = token.prefix
    if principal is not None:
        by = principal if getattr(principal, "pk", None) else None
        return by, audit_name_of(principal), facts
    if client is not None:
        return None, f"api:{client.key_id}", facts
    if token is not None:
        return None, token.user.get_username(), facts
    claimed = request.headers.get(signing.HEADER_KEY, "")
    return None, (f"api:{claimed}" if signing.KEY_ID_RE.match(claimed) else "anonymous"), facts


def audit_call(request: HttpRequest, response: HttpResponse) -> None:
    """One audit event per call to an operation that requires credentials (public reads are not audited);
    a refused authentication or a call over the rate limit is counted, not audited one by one."""
    if not getattr(request, "_sheyin_auth_attempted", False):
        return
    code = getattr(response, "sheyin_problem_code", "")
    if code in throttle.COUNTED_CODES:
        throttle.note_failure(request, code)
        services.refusal_count(
            address=address_of(request), credential=throttle.credential_of(request), code=code
        )
        return
    by, actor_name, facts = _actor(request)
    after = {
        "method": request.method,
        "path": request.path[:300],
        "status": response.status_code,
        "code": getattr(response, "sheyin_problem_code", ""),
        **facts,
    }
    if getattr(request, "_sheyin_replayed", False):
        after["replayed"] = True
    record(
        action="api.call",
        by=by,
        actor_name=actor_name,
        object_type="api.call",
        object_id=f"{request.method} {request.path}"[:64],
        outcome=_outcome(response.status_code),
        after=after,
    )


# A busy database (sheyin.common.db) is retried a few times, then answered 503 with Retry-After.
BUSY_RETRIES = 2
BUSY_PAUSES = (0.05, 0.2)
_PER_ATTEMPT = (
    "_sheyin_auth_attempted",
    "_sheyin_client",
    "_sheyin_token",
    "_sheyin_idempotency",
    "_sheyin_replayed",
)


def _presents_credentials(request: HttpRequest) -> bool:
    return bool(request.headers.get(signing.HEADER_KEY) or request.headers.get("Authorization"))


def _attempt(view: Callable[..., Any], request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """One run of the call. A call that writes (a write, or any authenticated call: its nonce and audit
    event) runs in one transaction with everything it writes, so a busy database leaves nothing behind
    (not even a spent nonce) and the call can simply run again."""
    request.api_principal = None  # type: ignore[attr-defined]
    for name in _PER_ATTEMPT:
        request.__dict__.pop(name, None)
    if request.method not in idempotency.WRITE_METHODS and not _presents_credentials(request):
        response = view(request, *args, **kwargs)  # a public read: writes at most a refusal count
        audit_call(request, response)
        return response
    with transaction.atomic():
        response = view(request, *args, **kwargs)
        if response.status_code < 500:
            idempotency.store(request, response)
            audit_call(request, response)
            return response
        transaction.set_rollback(True)  # nothing of a failed call stays, not even its key or nonce
    if not getattr(response, "sheyin_busy", False):
        audit_call(request, response)
    return response


def _run(view: Callable[..., Any], request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    for attempt in range(BUSY_RETRIES + 1):
        try:
            response = _attempt(view, request, *args, **kwargs)
        except Exception as exc:
            if not is_busy(exc):
                logger.exception("API gateway error on %s %s", request.method, request.path)
                return problems.problem_response("server_error")
            response = problems.busy_response()
        if not getattr(response, "sheyin_busy", False):
            return response
        if attempt < BUSY_RETRIES:
            time.sleep(BUSY_PAUSES[min(attempt, len(BUSY_PAUSES) - 1)])
    logger.warning("API call refused, database busy: %s %s", request.method, request.path)
    return response


def gateway(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap one Ninja path view (all its operations)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.api_principal = None  # type: ignore[attr-defined]
        # Services raise their messages in the active language: Chinese is the canonical one, and the
        # problem body carries both (problems.in_english).
        with translation.override("zh-hans"):
            wait = throttle.refuse_before_authentication(request)
            if wait is not None:  # nothing looked up, verified or written for this request
                return problems.problem_response("rate_limited", headers={"Retry-After": str(wait)})
            response = _run(view, request, *args, **kwargs)
            if response.status_code == 405 and not hasattr(response, "sheyin_problem_code"):
                response = problems.problem_response(
                    "method_not_allowed", headers={"Allow": response.get("Allow", "")}
                )
        return response

    return wrapped


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    with translation.override("zh-hans"):
        return problems.problem_response("not_found")


not_found.csrf_exempt = True  # type: ignore[attr-defined]


def _problem_response_doc(description: str, *, retry_after: bool = False) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "description": description,
        "content": {problems.MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if retry_after:
        doc["headers"] = {
            "Retry-After": {"description": "Seconds until the window resets.", "schema": {"type": "integer"}}
        }
    return doc


IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": True,
    "description": "Unique per intended write (1-100 visible ASCII characters). A retry with the same key "
    "and body returns the first response; the same key with another body is refused (422).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"^[\x21-\x7e]{1,100}$"},
}


class SheyinAPI(NinjaAPI):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("docs", LocalSwagger())
        kwargs.setdefault("throttle", [CallerRateThrottle()])
        super().__init__(**kwargs)
        problems.install(self)
        self.add_decorator(idempotency.idempotent, mode="operation")

    @property
    def urls(self) -> tuple[list[Any], str, str]:
        patterns, app_name, namespace = super().urls
        out: list[Any] = []
        for p in patterns:
            if isinstance(p, URLPattern) and p.name == "api-root":
                out.append(path("", self._index, name="api-root"))
            elif isinstance(p, URLPattern) and p.name not in ROUTE_NAMES_KEPT:
                p.callback = gateway(p.callback)
                out.append(p)
            else:
                out.append(p)
        out.append(path("docs/assets/<str:name>", asset, name="docs-asset"))
        out.append(re_path(r"^.*$", not_found, name="not-found"))
        return out, app_name, namespace

    def _index(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        body = {
            "title": self.title,
            "version": self.version,
            "openapi": reverse(f"{self.urls_namespace}:openapi-json"),
            "docs": reverse(f"{self.urls_namespace}:openapi-view"),
            "signature_algorithm": signing.ALGORITHM,
        }
        return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json")

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(problem.pop("$defs", {}))
        components["Problem"] = problem
        for ops in schema.get("paths", {}).values():
            for method, op in ops.items():
                self._document_conventions(method.upper(), op)
        return schema

    @staticmethod
    def _document_conventions(method: str, op: dict[str, Any]) -> None:
        responses = op.setdefault("responses", {})
        extra: dict[int, dict[str, Any]] = {
            404: _problem_response_doc("Not found, or outside the caller's data scope (not_found)."),
            422: _problem_response_doc("Invalid input (validation_failed, idempotency_key_reused)."),
            429: _problem_response_doc("Too many requests (rate_limited).", retry_after=True),
            503: _problem_response_doc(
                "The database is busy; retry after Retry-After seconds (service_unavailable).",
                retry_after=True,
            ),
        }
        if op.get("security"):
            extra[401] = _problem_response_doc(
                "Not authenticated (not_authenticated, signature_headers_invalid, unknown_client, "
                "timestamp_out_of_window, nonce_reused, bad_signature, invalid_token)."
            )
            extra[403] = _problem_response_doc("Refused (address_not_allowed, permission_denied).")
            extra[413] = _problem_response_doc("Request body too large (payload_too_large).")
        if method in idempotency.WRITE_METHODS:
            extra[400] = _problem_response_doc("Bad request (bad_request, idempotency_key_missing).")
        if method in idempotency.WRITE_METHODS and op.get("security"):
            # Keys are per caller: an anonymous (public) write has no caller to key them on.
            extra[409] = _problem_response_doc("A request with this Idempotency-Key is still running.")
            params = op.setdefault("parameters", [])
            if not any(p.get("name") == idempotency.HEADER for p in params):
                params.append(copy.deepcopy(IDEMPOTENCY_PARAMETER))
        for status, doc in extra.items():
            responses.setdefault(status, doc)
