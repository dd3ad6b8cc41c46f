"""Reads for the public portal. Everything here is public information: operating outlets (never one that is
applying, suspended or terminated), the catalogue in force, published materials and notices. No
personal data is read. Staff reads (materials management) go through `materials_for(user)` (scoped).

Other apps that land in parallel (catalogue, notices) are looked up at call time, so the portal keeps
working, with clear empty states, before they exist.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from typing import Any

import nh3
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sheyin.accounts.scope import scoped
from sheyin.institutions.models import Agency, Outlet, OutletStatus
from sheyin.staffing.selectors import staffed_outlets

from . import cache as public_cache
from . import nearest
from .models import PolicyMaterial
from .workflow import Status

logger = logging.getLogger(__name__)

MAX_NEAREST = 20


# --- Outlets ---------------------------------------------------------------------------------------
def public_outlets() -> QuerySet[Outlet]:
    """Operating outlets only: a terminated, suspended or not yet opened outlet never shows (R6.4).
    `window_open`: the outlet has at least one authorised staff member, so its staffed windows serve (R9.1);
    until then only its terminals and online counters are offered."""
    return (
        Outlet.objects.filter(status=OutletStatus.OPERATING)
        .select_related("bank", "district")
        .annotate(window_open=Exists(staffed_outlets().filter(outlet_id=OuterRef("pk"))))
    )


def public_districts() -> QuerySet[Agency]:
    return Agency.objects.filter(level=Agency.Level.DISTRICT).order_by("code")


def district_counts() -> list[dict[str, Any]]:
    """Operating outlets per district, every district listed (zero included), in code order."""
    return list(
        public_districts()
        .annotate(n=Count("outlets", filter=Q(outlets__status=OutletStatus.OPERATING)))
        .values("pk", "code", "district_name", "n")
    )


def find_outlets(*, q: str = "", district: str = "", item: GuideItem | None = None) -> QuerySet[Outlet]:
    """Search by name or address, district (GB/T 2260 code) and the service an outlet must offer."""
    qs = public_outlets()
    q = q.strip()[:100]
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(address__icontains=q) | Q(bank__short_name__icontains=q) | Q(code=q)
        )
    if district:
        qs = qs.filter(district__code=district) if len(district) == 6 else qs.filter(pk__in=[])
    if item is not None:
        qs = qs.filter(capability_q(item))
    return qs.order_by("district__code", "code")


def capability_q(item: GuideItem) -> Q:
    """The SQL twin of `nearest.Need.matches` for an item."""
    # A window serves only with an authorised person at it (R9.1): `window_open` of public_outlets().
    window = Q(windows__gte=1, window_open=True)
    any_channel = Q(pk__in=[])
    for c in item.channels:
        if c == "W":
            any_channel |= window
        elif c in ("T", "O"):
            any_channel |= Q(**{{"T": "terminals__gte", "O": "online_counters__gte"}[c]: 1})
    cond = any_channel if item.channels else Q()
    if item.needs_card_machine:
        cond &= Q(card_machines__gte=1) & window
    return cond


def outlet_by_code(code: str) -> Outlet | None:
    return public_outlets().filter(code=code).first()


@dataclass(frozen=True)
class Nearby:
    outlet: Outlet
    distance_m: float


def nearest_outlets(
    lon: float, lat: float, *, limit: int = 10, item: GuideItem | None = None
) -> list[Nearby]:
    """The `limit` nearest operating outlets to a GCJ-02 point, nearest first, with the distance."""
    limit = max(1, min(limit, MAX_NEAREST))
    need = nearest.need_for(item.channels, item.needs_card_machine) if item else nearest.ANY
    found: list[Nearby] = []
    for attempt in range(2):
        idx = nearest.current(force_check=attempt > 0)
        hits = idx.query(lon, lat, limit, need)
        # Operating right now? One primary-key lookup, so a just-terminated outlet never shows (R6.4).
        alive = set(
            Outlet.objects.filter(pk__in=[pk for pk, _d in hits], status=OutletStatus.OPERATING).values_list(
                "pk", flat=True
            )
        )
        found = [Nearby(idx.outlets[pk], d) for pk, d in hits if pk in alive]
        if len(found) == len(hits):
            return found
        # The index named an outlet that is no longer operating: refresh it once and ask again.
    return found


# --- Service guide (the catalogue in force, R5.1/R5.2/R10.3) ----------------------------------------
@dataclass(frozen=True)
class GuideItem:
    """One item of the catalogue in force, as the portal shows it (read from sheyin.catalogue)."""

    code: str
    name: str
    category: str = ""
    category_label: str = ""
    audience_label: str = ""
    channels: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    legal_basis: str = ""
    time_limit_days: int | None = None
    guide_html: str = ""
    needs_card_machine: bool = False
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def channel_labels(self) -> list[tuple[str, str]]:
        return [(c, channel_label(c)) for c in self.channels]


@dataclass(frozen=True)
class CatalogueInForce:
    version_label: str
    effective_from: Any
    items: tuple[GuideItem, ...]


def channel_label(code: str) -> str:
    return {"T": _("自助终端"), "O": _("网厅自助"), "W": _("人工窗口")}.get(code, code)


GUIDE_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "h5", "blockquote", "hr",
    "a", "table", "thead", "tbody", "tr", "th", "td", "code", "small", "sub", "sup", "dl", "dt", "dd",
}  # fmt: skip


def clean_html(html: str) -> str:
    """Public HTML: a small tag set, links only (no images: nothing may load from elsewhere)."""
    return nh3.clean(
        html or "",
        tags=GUIDE_TAGS,
        clean_content_tags={"script", "style"},
        attributes={
            "a": {"href", "title"},
            "th": {"colspan", "rowspan", "scope"},
            "td": {"colspan", "rowspan"},
        },
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )


def _as_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        parts = value.replace("，", ",").replace("、", ",").replace("\n", ",").split(",")
        return tuple(p.strip() for p in parts if p.strip())
    if isinstance(value, dict):
        return tuple(str(v) for v in value.values())
    out = []
    for v in value:
        if isinstance(v, dict):
            out.append(str(v.get("name") or v.get("title") or v.get("label") or next(iter(v.values()), "")))
        else:
            out.append(str(v))
    return tuple(o for o in out if o)


def _display(obj: Any, name: str) -> str:
    getter = getattr(obj, f"get_{name}_display", None)
    if callable(getter):
        return str(getter())
    return str(getattr(obj, name, "") or "")


def _channels(value: Any) -> tuple[str, ...]:
    """Channel letters in T, O, W order, from "TOW", "T,O,W" or a list."""
    letters = set("".join(value) if not isinstance(value, str) else value)
    return tuple(c for c in ("T", "O", "W") if c in letters)


def _guide_item(obj: Any) -> GuideItem:
    channels = _channels(getattr(obj, "channels", ()) or ())
    limit = getattr(obj, "time_limit_days", None)
    return GuideItem(
        code=str(obj.code),
        name=str(obj.name),
        category=str(getattr(obj, "category", "") or ""),
        category_label=_display(obj, "category"),
        audience_label=_display(obj, "audience"),
        channels=channels,
        materials=_as_list(getattr(obj, "materials", ())),
        legal_basis=str(getattr(obj, "legal_basis", "") or ""),
        time_limit_days=int(limit) if isinstance(limit, int) else None,
        guide_html=clean_html(str(getattr(obj, "guide", "") or getattr(obj, "guide_html", "") or "")),
        needs_card_machine=bool(getattr(obj, "needs_card_machine", False)),
        description=str(getattr(obj, "description", "") or getattr(obj, "summary", "") or ""),
    )


def catalogue_in_force() -> CatalogueInForce | None:
    """The catalogue version in force, or None while the catalogue app has not landed or published one.
    Cached (`portal.cache`) until a catalogue write or the next version's effective moment."""
    return public_cache.cached("catalogue", _catalogue_in_force_now)


def _catalogue_in_force_now() -> tuple[CatalogueInForce | None, Any]:
    return _catalogue_in_force_uncached(), _next_catalogue_switch()


def _next_catalogue_switch() -> Any:
    """When a published version takes effect later: the cached catalogue must not outlive that moment."""
    try:
        models = importlib.import_module("sheyin.catalogue.models")
    except ImportError:
        return None
    return (
        models.CatalogueVersion.objects.filter(
            status=models.Status.PUBLISHED, effective_from__gt=timezone.now()
        )
        .order_by("effective_from")
        .values_list("effective_from", flat=True)
        .first()
    )


def _catalogue_in_force_uncached() -> CatalogueInForce | None:
    try:
        selectors = importlib.import_module("sheyin.catalogue.selectors")
    except ImportError:
        return None
    version_in_force = getattr(selectors, "version_in_force", None)
    if version_in_force is None:
        return None
    version = version_in_force()
    if version is None:
        return None
    # A published version never changes (the catalogue app freezes it in the database), so its guide is
    # built once per process and language; the key also carries the dates, in case a pk is ever reused.
    key = (version.pk, getattr(version, "published_at", None), getattr(version, "effective_from", None),
           get_language())  # fmt: skip
    hit = _GUIDE_CACHE.get(key)
    if hit is None:
        hit = _build_catalogue(version)
        if len(_GUIDE_CACHE) > 32:
            _GUIDE_CACHE.clear()
        _GUIDE_CACHE[key] = hit
    return hit


_GUIDE_CACHE: dict[tuple[Any, ...], CatalogueInForce] = {}


def _build_catalogue(version: Any) -> CatalogueInForce:
    items = getattr(version, "items", None)
    rows = items.all() if items is not None and hasattr(items, "all") else (items or [])
    try:
        order = list(importlib.import_module("sheyin.catalogue.choices").Category.values)
    except (ImportError, AttributeError):
        order = []
    guide = tuple(
        sorted(
            (_guide_item(o) for o in rows),
            key=lambda i: (order.index(i.category) if i.category in order else len(order), i.code),
        )
    )
    label = str(version)
    effective = getattr(version, "effective_from", None) or getattr(version, "published_at", None)
    return CatalogueInForce(version_label=label, effective_from=effective, items=guide)


def guide_items(*, q: str = "", category: str = "", channel: str = "") -> list[GuideItem]:
    cat = catalogue_in_force()
    if cat is None:
        return []
    items = list(cat.items)
    q = q.strip()[:100].lower()
    if q:
        items = [i for i in items if q in i.name.lower() or q in i.code.lower() or q in i.description.lower()]
    if category:
        items = [i for i in items if i.category == category]
    if channel:
        items = [i for i in items if channel in i.channels]
    return items


def guide_item(code: str) -> GuideItem | None:
    cat = catalogue_in_force()
    if cat is None:
        return None
    return next((i for i in cat.items if i.code == code), None)


def window_open(outlet: Outlet) -> bool:
    """Whether the outlet's staffed windows serve: at least one authorised staff member (R9.1)."""
    known = getattr(outlet, "window_open", None)
    if known is not None:
        return bool(known)
    return staffed_outlets().filter(outlet_id=outlet.pk).exists()


def items_offered_at(outlet: Outlet) -> list[GuideItem]:
    """Every item of the catalogue in force this outlet can serve (R9.2: every outlet accepts every listed
    item the same way, so only its channels limit it)."""
    cat = catalogue_in_force()
    if cat is None:
        return []
    windows = outlet.windows if window_open(outlet) else 0  # R9.1: no authorised staff, no window service
    caps = nearest.capabilities(windows, outlet.terminals, outlet.online_counters, outlet.card_machines)
    out = []
    for item in cat.items:
        need = nearest.need_for(item.channels, item.needs_card_machine)
        if bool(need.matches(nearest.np.array([caps]))[0]):
            out.append(item)
    return out


# --- Policy materials (R5.3) ------------------------------------------------------------------------
def published_materials(*, kind: str = "", item_code: str = "", q: str = "") -> QuerySet[PolicyMaterial]:
    qs = PolicyMaterial.objects.filter(status=Status.PUBLISHED).prefetch_related("item_links")
    if kind:
        qs = qs.filter(kind=kind)
    if item_code:
        qs = qs.filter(item_links__item_code=item_code).distinct()
    q = q.strip()[:100]
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(summary__icontains=q))
    return qs.order_by("-published_at", "-id")


def materials_for(user: Any) -> QuerySet[PolicyMaterial]:
    """Every material (drafts included) the user may manage: the municipal center's."""
    return scoped(PolicyMaterial.objects.prefetch_related("item_links"), user).order_by("-updated_at", "-id")


# --- Notices (R5.2, R6.4) ---------------------------------------------------------------------------
def notices(kind: str = "") -> QuerySet[Any] | None:
    """Published public notices, newest first; None while the notices app is not there."""
    try:
        selectors = importlib.import_module("sheyin.notices.selectors")
    except ImportError:
        return None
    return selectors.public_notices(kind=kind or None).order_by("-published_at", "-id")


def notice_kinds() -> list[tuple[str, str]]:
    try:
        models = importlib.import_module("sheyin.notices.models")
    except ImportError:
        return []
    return [(str(v), str(label)) for v, label in models.PublicNotice.Kind.choices]


# --- The home page's public reads, cached (`portal.cache`) ------------------------------------------
def home_data() -> dict[str, Any]:
    """Outlets per district, the four latest notices, the three latest materials: until the next write or
    the next notice dated in the future."""
    return public_cache.cached("home", _home_data_now)


def _home_data_now() -> tuple[dict[str, Any], Any]:
    notice_qs = notices()
    data = {
        "district_counts": district_counts(),
        "latest_notices": list(notice_qs[:4]) if notice_qs is not None else [],
        "latest_materials": list(published_materials()[:3]),
    }
    return data, _next_notice_at()


def _next_notice_at() -> Any:
    try:
        models = importlib.import_module("sheyin.notices.models")
    except ImportError:
        return None
    return (
        models.PublicNotice.objects.filter(published_at__gt=timezone.now())
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
