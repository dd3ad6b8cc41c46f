"""Errors as RFC 9457 `application/problem+json`, with a stable code and a Chinese and English message.

    {"type": "urn:sheyin:problem:<code>", "title": …, "status": 422, "code": "validation_failed",
     "detail": "<中文>", "detail_en": "<English>", "errors": [{"field", "message", "message_en"}]}

Any router raises `ApiProblem(code)`, or simply lets a service raise Django's ValidationError or
PermissionDenied: `install(api)` turns every exception into a problem. The codes are a contract with
the banks: add new ones, never rename one (docs/api.md lists them).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from sheyin.common.db import RETRY_AFTER_SECONDS, is_busy
from sheyin.common.identifiers import PHONE_PATTERN
from sheyin.common.text import MULTI_LINE, SINGLE_LINE

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True)
class ProblemType:
    status: int
    title: Promise
    detail: Promise


PROBLEMS: dict[str, ProblemType] = {
    "bad_request": ProblemType(400, _("请求无效"), _("请求格式不正确。")),
    "idempotency_key_missing": ProblemType(
        400, _("缺少幂等键"), _("写操作必须携带 Idempotency-Key 请求头（1至100个可见字符）。")
    ),
    "not_authenticated": ProblemType(401, _("未认证"), _("请求缺少有效的签名或访问令牌。")),
    "signature_headers_invalid": ProblemType(
        401,
        _("签名请求头无效"),
        _(
            "签名请求头缺失或格式不正确（X-Sheyin-Key、X-Sheyin-Timestamp、X-Sheyin-Nonce、X-Sheyin-Signature）。"
        ),
    ),
    "unknown_client": ProblemType(401, _("客户端无效"), _("密钥标识不存在或已被吊销。")),
    "timestamp_out_of_window": ProblemType(
        401, _("时间戳超出范围"), _("请求时间戳与服务器时间相差超过5分钟。")
    ),
    "nonce_reused": ProblemType(401, _("随机数重复"), _("该随机数已使用过，请求被视为重放。")),
    "bad_signature": ProblemType(401, _("签名错误"), _("请求签名校验失败。")),
    "invalid_token": ProblemType(401, _("令牌无效"), _("访问令牌不存在、已过期、已撤销或已失效。")),
    "address_not_allowed": ProblemType(403, _("来源地址不允许"), _("请求来源地址不在该客户端的允许列表中。")),
    "permission_denied": ProblemType(403, _("无权操作"), _("您没有执行此操作的权限。")),
    "not_found": ProblemType(404, _("未找到"), _("请求的资源不存在或不在您的数据范围内。")),
    "method_not_allowed": ProblemType(405, _("方法不允许"), _("该资源不支持此请求方法。")),
    "idempotency_in_progress": ProblemType(
        409, _("请求处理中"), _("使用同一幂等键的请求正在处理，请稍后重试。")
    ),
    "idempotency_key_reused": ProblemType(422, _("幂等键已被使用"), _("该幂等键已用于另一个不同的请求。")),
    "validation_failed": ProblemType(422, _("数据校验失败"), _("提交的数据未通过校验，请查看 errors。")),
    "payload_too_large": ProblemType(413, _("请求体过大"), _("请求体超过服务器允许的大小。")),
    "rate_limited": ProblemType(429, _("请求过于频繁"), _("请求次数超过限制，请稍后重试。")),
    "server_error": ProblemType(500, _("服务器错误"), _("服务器内部错误，已记录，请联系管理员。")),
    "service_unavailable": ProblemType(
        503, _("系统繁忙"), _("数据库正忙，请求未执行，请在 Retry-After 指定的秒数后重试。")
    ),
}


# The audit reason services record for a change made through the API.
VIA_API = _("经接口提交")


class ApiProblem(Exception):
    """Raise anywhere in an API call: becomes the problem `code` (see PROBLEMS)."""

    def __init__(
        self,
        code: str,
        detail: str | Promise | None = None,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        assert code in PROBLEMS, code
        self.code = code
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        super().__init__(code)


def in_english(text: str | Promise) -> str:
    """The English of a Chinese msgid (our own or another app's); the text itself when none exists."""
    with translation.override("en"):
        if isinstance(text, Promise):
            return str(text)
        return translation.gettext(text)


def in_chinese(text: str | Promise) -> str:
    with translation.override("zh-hans"):
        return str(text)


def problem_body(
    code: str, detail: str | Promise | None = None, errors: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    t = PROBLEMS[code]
    zh = in_chinese(detail if detail is not None else t.detail)
    body: dict[str, Any] = {
        "type": f"urn:sheyin:problem:{code}",
        "title": in_chinese(t.title),
        "status": t.status,
        "code": code,
        "detail": zh,
        "detail_en": in_english(detail if detail is not None else t.detail),
    }
    if errors:
        body["errors"] = errors
    return body


def problem_response(
    code: str,
    detail: str | Promise | None = None,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body = problem_body(code, detail, errors)
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False).encode("utf-8"), status=body["status"], content_type=MEDIA_TYPE
    )
    for k, v in (headers or {}).items():
        response[k] = v
    response.sheyin_problem_code = code  # type: ignore[attr-defined]  # read by the gateway's audit
    return response


def busy_response() -> HttpResponse:
    """503 for a busy database (nothing was done; the gateway may try the call again)."""
    response = problem_response("service_unavailable", headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    response.sheyin_busy = True  # type: ignore[attr-defined]
    return response


def field_error(field: str, message: str | Promise) -> dict[str, str]:
    return {"field": field, "message": in_chinese(message), "message_en": in_english(message)}


# Chinese for the pydantic error types an API caller meets most; the English is pydantic's own.
_PYDANTIC_ZH: dict[str, Promise] = {
    "missing": _("必填项。"),
    "string_too_long": _("长度超出限制。"),
    "string_too_short": _("长度不足。"),
    "string_pattern_mismatch": _("格式不正确。"),
    "string_type": _("应为字符串。"),
    "int_parsing": _("应为整数。"),
    "int_type": _("应为整数。"),
    "float_parsing": _("应为数字。"),
    "greater_than_equal": _("数值过小。"),
    "less_than_equal": _("数值过大。"),
    "literal_error": _("取值不在允许范围内。"),
    "enum": _("取值不在允许范围内。"),
    "json_invalid": _("不是有效的 JSON。"),
    "extra_forbidden": _("不允许的字段。"),
    "model_type": _("应为 JSON 对象。"),
    "string_unicode": _("包含无效的字符。"),
    "bool_parsing": _("应为 true 或 false。"),
    "date_format": _("应为日期，格式如 2026-12-01。"),
    "date_parsing": _("应为日期，格式如 2026-12-01。"),
    "date_from_datetime_parsing": _("应为日期，格式如 2026-12-01。"),
    "datetime_format": _("应为时间，格式如 2026-12-01T09:30:00+08:00。"),
    "datetime_parsing": _("应为时间，格式如 2026-12-01T09:30:00+08:00。"),
    "datetime_from_date_parsing": _("应为时间，格式如 2026-12-01T09:30:00+08:00。"),
}
# Patterns whose mismatch deserves its own words (in both languages) rather than "String should match …".
_CONTROL_MESSAGE = _("不能包含控制字符或不可见的格式字符。")
_PHONE_MESSAGE = _("应为手机号、带区号的固定电话或服务热线，如 13800138000、010-66668888、95588。")
_PATTERN_MESSAGES: dict[str, Promise] = {
    SINGLE_LINE: _CONTROL_MESSAGE,
    MULTI_LINE: _CONTROL_MESSAGE,
    PHONE_PATTERN: _PHONE_MESSAGE,
}


def _ninja_errors(exc: NinjaValidationError) -> list[dict[str, str]]:
    out = []
    for e in exc.errors:
        loc = [str(x) for x in e.get("loc", ())]
        # ("body", "payload", "phone") -> "phone"; ("query", "limit") -> "limit"; ("body", "payload") -> "body"
        parts = loc[1:]
        if loc[:1] == ["body"]:
            parts = parts[1:]
        field = ".".join(parts) or (loc[0] if loc else "")
        special = _PATTERN_MESSAGES.get(str((e.get("ctx") or {}).get("pattern", "")))
        if e.get("type") == "string_pattern_mismatch" and special is not None:
            out.append(field_error(field, special))
            continue
        zh = _PYDANTIC_ZH.get(str(e.get("type", "")), _("取值无效。"))
        out.append({"field": field, "message": in_chinese(zh), "message_en": str(e.get("msg", ""))})
    return out


def _django_errors(exc: DjangoValidationError) -> list[dict[str, str]]:
    out = []
    if hasattr(exc, "error_dict"):
        for field, errs in exc.error_dict.items():
            name = "" if field == NON_FIELD_ERRORS else field
            for err in errs:
                for msg in err.messages:
                    out.append(field_error(name, msg))
    else:
        for msg in exc.messages:
            out.append(field_error("", msg))
    return out


_HTTP_CODES = {400: "bad_request", 401: "not_authenticated", 403: "permission_denied", 404: "not_found",
               405: "method_not_allowed", 413: "payload_too_large", 429: "rate_limited",
               503: "service_unavailable"}  # fmt: skip


def install(api: Any) -> None:
    """Register the handlers on a NinjaAPI: every exception becomes a problem."""

    def on_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
        return problem_response(exc.code, exc.detail, errors=exc.errors, headers=exc.headers)

    def on_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return problem_response("validation_failed", errors=_ninja_errors(exc))

    def on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return problem_response("validation_failed", errors=_django_errors(exc))

    def on_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        message = str(exc)
        return problem_response("permission_denied", message if message and message != "None" else None)

    def on_missing(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem_response("not_found")

    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem_response("not_authenticated")

    def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return problem_response("rate_limited")

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = _HTTP_CODES.get(exc.status_code, "bad_request")
        return problem_response(code)

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        if is_busy(exc):
            return busy_response()
        logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
        return problem_response("server_error")

    api.add_exception_handler(ApiProblem, on_problem)
    api.add_exception_handler(NinjaValidationError, on_ninja_validation)
    api.add_exception_handler(DjangoValidationError, on_django_validation)
    api.add_exception_handler(PermissionDenied, on_denied)
    api.add_exception_handler(Http404, on_missing)
    api.add_exception_handler(ObjectDoesNotExist, on_missing)
    api.add_exception_handler(AuthenticationError, on_unauthenticated)
    api.add_exception_handler(Throttled, on_throttled)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Exception, on_unexpected)
