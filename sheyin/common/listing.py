"""List pages: typed filters, search, sorting, pagination and Excel export over an already-scoped queryset.

Each list declares a `ListSpec`; its query (`?q=`, every filter, `sort`, `size`) is read through one Django
form generated from the spec (`query_form`): a filter's type is declared with `Filter` or inferred from the
model field its lookup names (a choice, a whole number, a date, a related record offered from what the
user may see). A malformed query never reaches the database: the list answers 400 with the field's
message above the list and no rows, and an export is refused with 400 too (issue 17 item 1). The view is
marked with `@list_view(SPEC)` so the framework's registry (`registered_views`) finds every list.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django import forms
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

PAGE_SIZE = 20
PAGE_SIZES = (20, 50, 100)
COUNT_CAP = 10_000
RESERVED = ("q", "sort", "size", "page", "export")
# The organisation filters every municipal and district list offers (issue 18 item 3), shown only when the
# user's scope holds more than one choice (a district officer gets no district filter, a bank admin no bank).
SCOPE_PARAMS = ("district", "bank", "outlet")
# They depend on each other: the banks offered are those with outlets in the chosen district, the outlets
# those of the chosen district and bank; an outlet outside them is refused (400). The outlet select lists
# at most this many records and says how many more there are (narrow by district or bank to reach them).
SCOPE_DEPENDS = {"bank": ("district",), "outlet": ("district", "bank")}
SCOPE_OPTIONS_CAP = 200
SCOPE_CAPPED = ("outlet",)


@dataclass
class Column:
    label: Any
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class Filter:
    """One typed filter. `kind`: "auto" (from the model field), "choice", "int", "year", "date", "text",
    "bool" or "model" (a record of `model`, offered from what the user may see)."""

    lookup: str
    kind: str = "auto"
    label: Any = ""
    choices: Any = None  # a sequence of (value, label) or a callable returning one
    model: Any = None


@dataclass
class ListSpec:
    search_fields: Sequence[str] = ()
    filters: dict[str, str | Filter] = field(default_factory=dict)  # GET parameter -> lookup or Filter
    order_by: Sequence[str] = ("-pk",)
    # ?sort=key / -key: the whitelisted keys and the fields each orders by
    sorts: dict[str, str | Sequence[str]] = field(default_factory=dict)
    # search hook: an app may replace the icontains search (e.g. exact indexed look-ups)
    search: Callable[[QuerySet, str], QuerySet] | None = None
    empty_hint: Any = ""  # what to do when the list is empty (Chinese, shown on the page)
    sizes: Sequence[int] = PAGE_SIZES


def scope_filters(
    path: str = "outlet", *, district: str | None = None, bank: str | None = None, outlet: bool = True
) -> dict[str, str | Filter]:
    """The district, bank and outlet filters of a list whose rows belong to an outlet through `path`
    ("outlet", "case__outlet", or "" for the outlet list itself). `district`/`bank` name another lookup when
    the row carries its own district or bank (e.g. an agreement signed with a bank). The options are the
    records of the user's scope (`choices_for`); a value outside it is a malformed query (400)."""
    prefix = f"{path}__" if path else ""
    out: dict[str, str | Filter] = {
        "district": Filter(district or f"{prefix}district_id", label=_("所在区")),
        "bank": Filter(bank or f"{prefix}bank_id", label=_("银行")),
    }
    if outlet and path:
        out["outlet"] = Filter(f"{path}_id", label=_("网点"))
    return out


# --- choices for related records, scoped to the user ------------------------------------------------------

ChoiceProvider = Callable[[Any], QuerySet]
_providers: dict[str, ChoiceProvider] = {}
_scoper: list[Callable[[QuerySet, Any], QuerySet]] = []


def register_choices(label: str, provider: ChoiceProvider) -> None:
    """`provider(user)` is the queryset a filter naming a `label` ("app.Model") record offers and accepts
    (e.g. institutions: the districts, banks and outlets in the user's scope)."""
    _providers[label] = provider


def register_scoper(fn: Callable[[QuerySet, Any], QuerySet]) -> None:
    """The data-scope function (accounts) applied to related models that declare SCOPE."""
    _scoper[:] = [fn]


Narrower = Callable[..., QuerySet]
_narrowers: dict[str, Narrower] = {}


def register_narrowing(label: str, narrower: Narrower) -> None:
    """`narrower(qs, district=…, bank=…)` narrows the `label` records a scope filter offers (already the
    user's scope) to those of the chosen district and bank (records or None). It only ever filters `qs`."""
    _narrowers[label] = narrower


def narrowed(qs: QuerySet, *, district: Any = None, bank: Any = None) -> QuerySet:
    fn = _narrowers.get(qs.model._meta.label)
    if fn is None or (district is None and bank is None):
        return qs
    return fn(qs, district=district, bank=bank)


def choices_for(model: type[models.Model], user: Any) -> QuerySet:
    provider = _providers.get(model._meta.label)
    if provider is not None:
        return provider(user)
    qs = model._default_manager.all()
    if getattr(model, "SCOPE", None) is not None and _scoper:
        qs = _scoper[0](qs, user)
    return qs


# Whether a scope filter holds more than one record depends only on the user's scope, which changes rarely;
# asked on every list page for three filters, it is kept in the shared cache for a few minutes. A stale
# answer only shows or hides a select (what a select offers and accepts is always read afresh).
OFFERS_TTL = 300


def offers_a_choice(user: Any, querysets: dict[str, QuerySet]) -> dict[str, bool]:
    """For each named scope queryset of `user`: does it hold more than one record?"""
    uid = getattr(user, "pk", None)
    if uid is None or not querysets:
        return {n: qs[:2].count() > 1 for n, qs in querysets.items()}
    keys = {n: f"listing:offers:{uid}:{qs.model._meta.label_lower}" for n, qs in querysets.items()}
    known = cache.get_many(list(keys.values()))
    out: dict[str, bool] = {}
    for n, qs in querysets.items():
        hit = known.get(keys[n])
        if hit is None:
            hit = qs[:2].count() > 1
            cache.set(keys[n], hit, OFFERS_TTL)
        out[n] = bool(hit)
    return out


# --- the query form ---------------------------------------------------------------------------------------


class SearchField(forms.CharField):
    """Free text: trimmed, cut to 100 characters; control characters are refused as in every CharField
    (sheyin.common.text)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(required=False, **kw)

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value))[:100]


class RecordChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        for attr in ("district_name", "short_name", "name"):
            v = getattr(obj, attr, None)
            if v:
                return str(v)
        return str(obj)


DATE_LABELS = {"from": _("起始日期"), "to": _("截止日期")}
TRANSFORMS = {"date", "year", "month", "quarter", "iso_year", "week_day", "day"}


def _resolve(model: type[models.Model], lookup: str) -> tuple[Any, list[str]]:
    """The model field a lookup ends on and the transforms/lookups that follow it."""
    parts = lookup.split("__")
    m: Any = model
    fld: Any = None
    for i, part in enumerate(parts):
        try:
            fld = m._meta.get_field(part)
        except (FieldDoesNotExist, AttributeError):
            return fld, parts[i:]
        if fld.is_relation and i + 1 < len(parts) and fld.related_model is not None:
            try:
                fld.related_model._meta.get_field(parts[i + 1])
            except FieldDoesNotExist:
                return fld, parts[i + 1 :]
            m = fld.related_model
            continue
    return fld, []


def _field_label(fld: Any, param: str) -> Any:
    if param in DATE_LABELS:
        return DATE_LABELS[param]
    return getattr(fld, "verbose_name", None) or param


def _choices(value: Any) -> list[tuple[Any, Any]]:
    seq = value() if callable(value) else value
    return [("", "")] + [(str(v), label) for v, label in seq]


def form_field(param: str, spec_filter: str | Filter, model: type[models.Model], user: Any) -> forms.Field:
    f = spec_filter if isinstance(spec_filter, Filter) else Filter(spec_filter)
    fld, rest = _resolve(model, f.lookup)
    label = f.label or _field_label(fld, param)
    kind = f.kind
    if kind == "auto":
        if "year" in rest:
            kind = "year"
        elif "date" in rest or isinstance(fld, models.DateField):
            kind = "date"
        elif fld is not None and fld.is_relation and fld.related_model is not None and not rest:
            kind = "model"
        elif fld is not None and getattr(fld, "choices", None):
            kind = "choice"
        elif fld is not None and getattr(getattr(fld, "base_field", None), "choices", None):
            kind = "choice"
            f = Filter(f.lookup, "choice", label, fld.base_field.choices)
        elif isinstance(fld, models.BooleanField):
            kind = "bool"
        elif isinstance(fld, models.IntegerField | models.AutoField):
            kind = "year" if param == "year" else "int"
        else:
            kind = "text"
    if kind == "choice":
        choices = f.choices if f.choices is not None else fld.choices
        return forms.ChoiceField(choices=_choices(choices), required=False, label=label)
    if kind == "model":
        rel = f.model or fld.related_model
        return RecordChoiceField(queryset=choices_for(rel, user), required=False, label=label)
    if kind == "date":
        return forms.DateField(required=False, label=label)
    if kind == "year":
        return forms.IntegerField(required=False, label=label, min_value=1900, max_value=2999)
    if kind == "int":
        return forms.IntegerField(required=False, label=label, min_value=-(2**31) + 1, max_value=2**31 - 1)
    if kind == "bool":
        return forms.NullBooleanField(required=False, label=label)
    return forms.CharField(required=False, label=label, max_length=200)


OUTLET_MISMATCH = _("所选网点不属于所选的区或银行，请重新选择网点。")


class ListQueryForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        if start and end and hasattr(start, "toordinal") and hasattr(end, "toordinal") and start > end:
            self.add_error("to", _("截止日期不能早于起始日期。"))
        outlet = data.get("outlet")
        if isinstance(outlet, models.Model):
            offered = self.scope_queryset("outlet", data)
            if offered is not None and not offered.filter(pk=outlet.pk).exists():
                self.add_error("outlet", OUTLET_MISMATCH)
        return data

    def chosen(self, name: str, data: dict[str, Any] | None = None) -> Any:
        """The record chosen (and valid) for the scope filter `name`, else None; for the district of a user
        whose scope holds a single district, that district."""
        fld = self.fields.get(name)
        if not isinstance(fld, forms.ModelChoiceField) or fld.queryset is None:
            return None
        value = (self.cleaned_data if data is None else data).get(name)
        if isinstance(value, models.Model):
            return value
        if name == "district" and not self.data.get(name):
            if not hasattr(self, "_only_district"):
                only = list(fld.queryset[:2])
                self._only_district = only[0] if len(only) == 1 else None
            return self._only_district
        return None

    def scope_queryset(self, name: str, data: dict[str, Any] | None = None) -> QuerySet | None:
        """The records the scope filter `name` offers and accepts given the district and bank chosen; None
        when the form has no such filter. Never more than the user's scope (the field's queryset)."""
        fld = self.fields.get(name)
        if not isinstance(fld, forms.ModelChoiceField) or fld.queryset is None:
            return None
        parents = {p: self.chosen(p, data) for p in SCOPE_DEPENDS.get(name, ())}
        return narrowed(fld.queryset, **parents)


def query_form(spec: ListSpec, model: type[models.Model], user: Any, data: Any = None) -> ListQueryForm:
    fields: dict[str, forms.Field] = {"q": SearchField(label=_("搜索关键字"))}
    for param, flt in spec.filters.items():
        fields[param] = form_field(param, flt, model, user)
    if spec.sorts:
        keys = [(k, k) for k in spec.sorts] + [(f"-{k}", f"-{k}") for k in spec.sorts]
        fields["sort"] = forms.ChoiceField(choices=[("", ""), *keys], required=False, label=_("排序"))
    fields["size"] = forms.TypedChoiceField(
        choices=[("", "")] + [(str(n), str(n)) for n in spec.sizes],
        coerce=int,
        required=False,
        empty_value=None,
        label=_("每页条数"),
    )
    form_class = type("ListQueryForm", (ListQueryForm,), fields)
    return form_class(data)


@dataclass
class ListQuery:
    """The validated query of one list on one request (`request.list_query`)."""

    spec: ListSpec
    form: ListQueryForm
    user: Any = None

    @cached_property
    def valid(self) -> bool:
        return self.form.is_valid()

    @property
    def errors(self) -> list[tuple[Any, Any]]:
        """(field label, message) pairs for the page."""
        if self.valid:
            return []
        out: list[tuple[Any, Any]] = []
        for name, errs in self.form.errors.items():
            label = self.form.fields[name].label if name in self.form.fields else ""
            for e in errs:
                out.append((label, e))
        return out

    @cached_property
    def scope_fields(self) -> list[Any]:
        """The bound district/bank/outlet fields worth showing: those whose scope (not what the chosen
        district or bank leaves) holds more than one record. Their options come from `scope_options`."""
        querysets: dict[str, QuerySet] = {}
        for name in SCOPE_PARAMS:
            qs = getattr(self.form.fields.get(name), "queryset", None)
            if qs is not None:
                querysets[name] = qs
        offers = offers_a_choice(self.user, querysets)
        return [self.form[n] for n in querysets if offers[n]]

    def scope_options(self, name: str) -> ScopeOptions:
        """What the `name` select offers given the chosen district and bank (for outlets at most
        SCOPE_OPTIONS_CAP records), the selected record always among them."""
        _ = self.valid  # cleans the form
        fld = self.form.fields[name]
        qs = self.form.scope_queryset(name)
        assert qs is not None and isinstance(fld, RecordChoiceField)
        hidden = 0
        if name in SCOPE_CAPPED:
            cap = SCOPE_OPTIONS_CAP
            records = list(qs[: cap + 1])
            if len(records) > cap:
                records = records[:cap]
                hidden = qs.count() - cap
        else:
            records = list(qs)
        chosen = self.form.cleaned_data.get(name) if name not in self.form.errors else None
        if isinstance(chosen, models.Model) and chosen.pk not in {r.pk for r in records}:
            # beyond the cap, or a bank without outlets in the district: what the list is filtered by
            records.append(chosen)
        options = [(str(r.pk), str(fld.label_from_instance(r))) for r in records]
        return ScopeOptions(name, options, str(chosen.pk) if isinstance(chosen, models.Model) else "", hidden)

    @property
    def sort(self) -> str:
        return (self.form.cleaned_data.get("sort") or "") if self.valid else ""

    @property
    def size(self) -> int:
        size = self.form.cleaned_data.get("size") if self.valid else None
        return size or self.spec.sizes[0]


@dataclass
class ScopeOptions:
    """The options of one scope select: (value, label) pairs, the selected value ("" for all), and how many
    records the cap left out."""

    name: str
    options: list[tuple[str, str]]
    selected: str = ""
    hidden: int = 0

    @property
    def note(self) -> str:
        if not self.hidden:
            return ""
        return str(_("还有 %(n)s 项未列出，请先选择所在区或银行缩小范围。") % {"n": f"{self.hidden:,}"})

    def as_json(self) -> dict[str, Any]:
        return {
            "options": [{"value": v, "label": label} for v, label in self.options],
            "selected": self.selected,
            "note": self.note,
        }


class InvalidListQuery(Exception):
    """Raised for an export asked with a malformed query; answered 400 by ListQueryMiddleware."""

    def __init__(self, query: ListQuery) -> None:
        super().__init__("invalid list query")
        self.query = query


def read_query(request: HttpRequest, spec: ListSpec, model: type[models.Model]) -> ListQuery:
    user = getattr(request, "user", None)
    lq = ListQuery(spec, query_form(spec, model, user, request.GET), user)
    request.list_query = lq  # type: ignore[attr-defined]
    return lq


def apply(qs: QuerySet, request: HttpRequest, spec: ListSpec) -> QuerySet:
    """Validate the query and narrow `qs` by it. A malformed query gives no rows (the page answers 400
    through ListQueryMiddleware); with `export` it raises InvalidListQuery."""
    lq = read_query(request, spec, qs.model)
    if not lq.valid:
        if request.GET.get("export"):
            raise InvalidListQuery(lq)
        return qs.none()
    data = lq.form.cleaned_data
    q = data.get("q") or ""
    if q:
        if spec.search is not None:
            qs = spec.search(qs, q)
        elif spec.search_fields:
            cond = Q()
            for f in spec.search_fields:
                cond |= Q(**{f"{f}__icontains": q})
            qs = qs.filter(cond)
    for param, flt in spec.filters.items():
        value = data.get(param)
        if value is None or value == "":
            continue
        lookup = flt.lookup if isinstance(flt, Filter) else flt
        if isinstance(value, models.Model):
            value = value.pk
        qs = qs.filter(**{lookup: value})
    if lq.sort:
        key = lq.sort.lstrip("-")
        fields = spec.sorts[key]
        fields = (fields,) if isinstance(fields, str) else tuple(fields)
        desc = lq.sort.startswith("-")
        order = [by(f, flip=desc) for f in fields]
        return qs.order_by(*stable([*order, *spec.order_by]))
    return qs.order_by(*stable(spec.order_by))


def by(name: str, *, flip: bool) -> OrderBy:
    """One sort field, empty values last both ways (a column sorted either way starts with its figures)."""
    descending = name.startswith("-") != flip
    expr = F(name.lstrip("-"))
    return expr.desc(nulls_last=True) if descending else expr.asc(nulls_last=True)


def stable(order: Sequence[Any]) -> list[Any]:
    """An ordering ending on the primary key, so equal sort values never swap rows between pages."""
    out = list(order)
    if not any(isinstance(f, str) and f.lstrip("-") in ("pk", "id") for f in out):
        out.append("-pk")
    return out


# --- pagination with a capped count -----------------------------------------------------------------------


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows (a sliced count query); beyond it the total shows as "10,000+"."""

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        c: Any = self.object_list
        n = int(c[: self.cap + 1].count()) if hasattr(c, "count") and hasattr(c, "query") else len(c)
        self.capped = n > self.cap
        return min(n, self.cap)

    @cached_property
    def num_pages(self) -> int:
        if self.count == 0 and not self.allow_empty_first_page:
            return 0
        return max(1, math.ceil(self.count / self.per_page))

    @property
    def capped_total(self) -> bool:
        _ = self.count
        return getattr(self, "capped", False)


def paginate(qs: QuerySet | Sequence[Any], request: HttpRequest, per_page: int | None = None) -> Page:
    """A page of a list: a queryset (counted up to the cap) or rows computed in Python (a ranking)."""
    lq: ListQuery | None = getattr(request, "list_query", None)
    size = per_page or (lq.size if lq is not None else PAGE_SIZE)
    return CappedPaginator(qs, size).get_page(request.GET.get("page"))


# --- export -----------------------------------------------------------------------------------------------


def rows_of(
    columns: Sequence[Column], objects: Any, progress: Callable[[int], None] | None = None
) -> Iterator[list[Any]]:
    """Every row: an export is never cut short (a large one runs as a job, `export_response`)."""
    for i, obj in enumerate(objects):
        if progress is not None and i and i % 1000 == 0:
            progress(i)
        yield [col.value(obj) for col in columns]


# --- registry ---------------------------------------------------------------------------------------------


def list_view(*specs: ListSpec) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Mark a view as a list of the framework (its specs are walked by the malformed-query test)."""

    def mark(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        view.list_specs = specs  # type: ignore[attr-defined]
        return view

    return mark
