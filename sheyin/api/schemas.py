"""Shared pieces for every router: the problem body, paginated lists and safe input types.

    from sheyin.api.schemas import PageParams, SafeText, page_of, paginate

    OutletPage = page_of(OutletOut)

    @router.get("/outlets", response=OutletPage, auth=ANY_AUTH)
    def outlets(request, page: Query[PageParams], q: SafeText = ""):
        return paginate(selectors.outlets_for(request.api_principal), page)

The API refuses what its schema does not describe (a test walks the OpenAPI document for it):
- every input string has a length limit and refuses control and invisible formatting characters
  (`SafeText`, `safe_text(…)`, `safe_text(…, multiline=True)`; sheyin.common.text says which), so no
  input reaches the database or an export in a form that breaks it;
- a request body is an `InputSchema`: a JSON object with exactly the declared fields (not `[]`, not
  `123`, no unknown field);
- dates and times are ISO 8601 text (`IsoDate`, `IsoDateTime`), never a number read as a Unix time;
- phone numbers are Chinese fixed-line, mobile or service numbers (`PhoneNumber`, the same rule as
  the forms: sheyin.common.identifiers.check_phone).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.db.models import QuerySet
from ninja import Schema
from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StringConstraints,
    ValidationInfo,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from sheyin.common.db_routing import reads_may_lag
from sheyin.common.identifiers import PHONE_PATTERN
from sheyin.common.text import MULTI_LINE, SINGLE_LINE

NO_CONTROL = SINGLE_LINE
SafeText = Annotated[str, StringConstraints(max_length=100, pattern=SINGLE_LINE)]
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000


def safe_text(max_length: int, min_length: int = 0, *, multiline: bool = False) -> Any:
    """A string type of at most `max_length` characters without control characters (multi-line text
    may hold tab, line feed and carriage return)."""
    pattern = MULTI_LINE if multiline else SINGLE_LINE
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length, pattern=pattern)]


PhoneNumber = Annotated[str, StringConstraints(max_length=30, pattern=PHONE_PATTERN)]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$")


def _iso_text(pattern: re.Pattern[str], kind: str, example: str) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, dt.date):  # already a date (a default, a test): nothing to parse
            return value
        if not isinstance(value, str) or not pattern.match(value):
            raise PydanticCustomError(
                f"{kind}_format", f"Input should be an ISO 8601 {kind} such as {example}"
            )
        return value

    return BeforeValidator(check)


IsoDate = Annotated[dt.date, _iso_text(_ISO_DATE, "date", "2026-12-01")]
IsoDateTime = Annotated[dt.datetime, _iso_text(_ISO_DATETIME, "datetime", "2026-12-01T09:30:00+08:00")]


class InputSchema(Schema):
    """A request body: a JSON object with exactly the declared fields.

    Ninja's `Schema` reads attributes of any object (so that it can serialise models): `[]`, `123` or
    `null` would pass as an object with every field missing. An input replaces that root validator: a
    JSON object, validated as such, and no field it does not declare."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if not isinstance(values, dict):
            raise PydanticCustomError("model_type", "Input should be a JSON object")
        return handler(values)


class PageParams(Schema):
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description="Items per page (1-100).")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")


class FieldError(Schema):
    field: str
    message: str
    message_en: str


class Problem(Schema):
    """RFC 9457 problem details, with a stable `code` and messages in Chinese and English."""

    type: str
    title: str
    status: int
    code: str
    detail: str
    detail_en: str
    errors: list[FieldError] | None = None


_PAGES: dict[type, type[Schema]] = {}


def page_of(item: type[Schema]) -> type[Schema]:
    """A paginated list schema named `<Item>Page`: {total, limit, offset, items}."""
    if item not in _PAGES:
        _PAGES[item] = create_model(
            f"{item.__name__.removesuffix('Out')}Page",
            __base__=Schema,
            total=(int, ...),
            limit=(int, ...),
            offset=(int, ...),
            items=(list[item], ...),  # type: ignore[valid-type]
        )
    return _PAGES[item]


def paginate(qs: QuerySet[Any], page: PageParams) -> dict[str, Any]:
    """One page of a list read; list reads may come from a read replica (docs/decisions/0122-reads-that-may-lag.md)."""
    with reads_may_lag():
        return {
            "total": qs.count(),
            "limit": page.limit,
            "offset": page.offset,
            "items": list(qs[page.offset : page.offset + page.limit]),
        }
