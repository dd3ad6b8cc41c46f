"""In-memory nearest-outlet index over the operating outlets (R10.3: "where do I go?").

The points are placed on the sphere as 3-D Cartesian coordinates (metres). The straight-line (chord)
distance between two points on a sphere grows monotonically with their great-circle distance, so a
k-d tree (scipy's cKDTree) over those points returns exactly the haversine order of
`sheyin.common.geo.distance_m`, with no projection error anywhere in Beijing.

The index lives in the process. Every few seconds at most (`CHECK_SECONDS`), a query compares a cheap
version stamp of the outlet table (count and id sum of operating outlets, latest `updated_at`) with the
stamp the index was built from, and rebuilds on change. The index also keeps the outlets themselves
(with bank and district) for display; callers still ask the database which of the outlets it names
are operating right now (one primary-key lookup), so an outlet terminated a moment ago never shows,
even before the next stamp check.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, Max, Q, Sum
from scipy.spatial import cKDTree

from sheyin.common.geo import EARTH_RADIUS_M
from sheyin.institutions.models import Agency, Bank, Outlet, OutletStatus
from sheyin.staffing.selectors import staffed_outlets

CHECK_SECONDS = 2.0

# Capabilities of an outlet as bits; a service item asks for some of them.
WINDOW, TERMINAL, ONLINE, CARD_MACHINE = 1, 2, 4, 8
CHANNEL_BITS = {"W": WINDOW, "T": TERMINAL, "O": ONLINE}


@dataclass(frozen=True)
class Need:
    """What an outlet must have to serve an item: any of `channels`, and all of `required`."""

    channels: int = 0  # 0: no channel asked for
    required: int = 0

    def matches(self, caps: np.ndarray) -> np.ndarray:
        ok = (caps & self.required) == self.required
        if self.channels:
            ok &= (caps & self.channels) != 0
        return ok


ANY = Need()


def need_for(channels: list[str] | tuple[str, ...] = (), needs_card_machine: bool = False) -> Need:
    """The outlet capabilities an item needs. The staffed-window channel W needs a window; an item that
    issues a card on the spot needs the card machine too (R2.3), which only exists at a window."""
    bits = 0
    for c in channels:
        bits |= CHANNEL_BITS.get(c, 0)
    required = (CARD_MACHINE | WINDOW) if needs_card_machine else 0
    return Need(channels=bits, required=required)


def capabilities(windows: int, terminals: int, online_counters: int, card_machines: int) -> int:
    caps = 0
    if windows >= 1:
        caps |= WINDOW
    if terminals >= 1:
        caps |= TERMINAL
    if online_counters >= 1:
        caps |= ONLINE
    if card_machines >= 1:
        caps |= CARD_MACHINE
    return caps


def to_xyz(lon: np.ndarray | float, lat: np.ndarray | float) -> np.ndarray:
    lam, phi = np.radians(lon), np.radians(lat)
    cos_phi = np.cos(phi)
    return np.column_stack(
        (
            np.atleast_1d(EARTH_RADIUS_M * cos_phi * np.cos(lam)),
            np.atleast_1d(EARTH_RADIUS_M * cos_phi * np.sin(lam)),
            np.atleast_1d(EARTH_RADIUS_M * np.sin(phi)),
        )
    )


def haversine_m(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Vectorised `sheyin.common.geo.distance_m` (same sphere, same formula)."""
    p1, p2 = math.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


@dataclass
class Index:
    stamp: tuple[Any, ...]
    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    caps: np.ndarray
    outlets: dict[int, Outlet] = field(default_factory=dict)
    trees: dict[Need, tuple[cKDTree | None, np.ndarray]] = field(default_factory=dict)

    def tree_for(self, need: Need) -> tuple[cKDTree | None, np.ndarray]:
        """A tree over only the outlets that meet `need` (built once per kind of need, ~ms)."""
        hit = self.trees.get(need)
        if hit is None:
            rows = np.flatnonzero(need.matches(self.caps)) if need != ANY else np.arange(len(self.ids))
            tree = cKDTree(to_xyz(self.lon[rows], self.lat[rows])) if len(rows) else None
            hit = (tree, rows)
            self.trees[need] = hit
        return hit

    def query(self, lon: float, lat: float, k: int, need: Need = ANY) -> list[tuple[int, float]]:
        """Up to `k` (outlet id, metres) pairs, nearest first."""
        tree, rows = self.tree_for(need)
        if tree is None or k <= 0:
            return []
        k = min(k, len(rows))
        _, pos = tree.query(to_xyz(lon, lat)[0], k=k)
        pos = np.atleast_1d(pos)
        sel = rows[pos]
        dist = haversine_m(lon, lat, self.lon[sel], self.lat[sel])
        order = np.argsort(dist, kind="stable")  # chord order is haversine order; stable for ties
        return [(int(self.ids[sel[i]]), float(dist[i])) for i in order]


_lock = threading.Lock()
_index: Index | None = None
_checked_at = 0.0


def _stamp() -> tuple[Any, ...]:
    op = Q(status=OutletStatus.OPERATING)
    agg = Outlet.objects.aggregate(
        n=Count("pk", filter=op), s=Sum("pk", filter=op), m=Max("updated_at"), total=Count("pk")
    )
    # Banks and districts are shown beside each outlet: a renamed bank refreshes the index too.
    banks = Bank.objects.aggregate(m=Max("updated_at"))["m"]
    agencies = Agency.objects.aggregate(m=Max("updated_at"))["m"]
    # Which outlets have authorised staff (their windows serve, R9.1): a grant starting or ending changes it.
    grants = staffed_outlets().aggregate(n=Count("pk"), s=Sum("pk"))
    return (agg["n"], agg["s"], agg["m"], agg["total"], banks, agencies, grants["n"], grants["s"])


def _build(stamp: tuple[Any, ...]) -> Index:
    rows = list(Outlet.objects.filter(status=OutletStatus.OPERATING).select_related("bank", "district"))
    staffed = set(staffed_outlets().values_list("outlet_id", flat=True))
    for o in rows:
        # R9.1: a window without an authorised person does not serve; terminals and online counters do.
        o.window_open = o.pk in staffed  # type: ignore[attr-defined]
    return Index(
        stamp=stamp,
        ids=np.array([o.pk for o in rows], dtype=np.int64),
        lon=np.array([o.lon for o in rows], dtype=np.float64),
        lat=np.array([o.lat for o in rows], dtype=np.float64),
        caps=np.array(
            [
                capabilities(
                    o.windows if o.pk in staffed else 0, o.terminals, o.online_counters, o.card_machines
                )
                for o in rows
            ],
            dtype=np.int64,
        ),
        outlets={o.pk: o for o in rows},
    )


def current(force_check: bool = False) -> Index:
    """The index, rebuilt when the outlet table has changed (checked at most every CHECK_SECONDS)."""
    global _index, _checked_at
    now = time.monotonic()
    idx = _index
    if idx is not None and not force_check and now - _checked_at < CHECK_SECONDS:
        return idx
    with _lock:
        if _index is not None and not force_check and now - _checked_at < CHECK_SECONDS:
            return _index
        stamp = _stamp()
        if _index is None or _index.stamp != stamp:
            _index = _build(stamp)
        _checked_at = time.monotonic()
        return _index


def reset() -> None:
    """Forget the index (tests; a process that switched databases)."""
    global _index, _checked_at
    with _lock:
        _index = None
        _checked_at = 0.0
