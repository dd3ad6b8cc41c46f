"""Shared pieces for every router: the problem body, paginated lists and safe input types.

    from sheyin.api.schemas import PageParams, SafeText, page_of, paginate

    OutletPage = page_of(OutletOut)

    @router.get("/outlets", response=OutletPage, auth=ANY_AUTH)
    def outlets(request, page: Query[PageParams], q: SafeText = ""):
        return paginate(selectors.outlets_for(request.api_principal), page)

Input strings refuse control characters (PostgreSQL cannot store NUL) and have a length limit, so no
input reaches the database in a form it would reject with a server error.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.db.models import QuerySet
from ninja import Schema
from pydantic import Field, StringConstraints, create_model

NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
SafeText = Annotated[str, StringConstraints(max_length=100, pattern=NO_CONTROL)]
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000


def safe_text(max_length: int, min_length: int = 0) -> Any:
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length, pattern=NO_CONTROL)]


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
    return {
        "total": qs.count(),
        "limit": page.limit,
        "offset": page.offset,
        "items": list(qs[page.offset : page.offset + page.limit]),
    }
