"""Scoped reads for 好差评 (design rule 2), and burst detection for the oversight rules (R9.5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from sheyin.accounts.scope import scoped

from .models import BadReviewCase, Rating, RatingSettings, RatingToken
from .workflow import FINISHED

IDENTITY = ("outlet_id", "level", "efficiency", "skill", "attitude", "comment")


def ratings_for(user: Any) -> QuerySet[Rating]:
    return scoped(Rating.objects.select_related("outlet", "district", "bank"), user)


def bad_reviews_for(user: Any) -> QuerySet[BadReviewCase]:
    return scoped(BadReviewCase.objects.select_related("rating", "outlet", "district", "bank"), user)


def tokens_for(user: Any) -> QuerySet[RatingToken]:
    return scoped(RatingToken.objects.all(), user)


def overdue_bad_reviews(user: Any, day: dt.date | None = None) -> QuerySet[BadReviewCase]:
    day = day or timezone.localdate()
    return bad_reviews_for(user).exclude(status__in=FINISHED).filter(due_date__lt=day)


def settings() -> RatingSettings:
    return RatingSettings.load()


def rating_bursts(
    window_minutes: int | None = None,
    threshold: int | None = None,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Groups of ≥ `threshold` identical ratings (same outlet, level, three indicators and comment) given
    within `window_minutes` of each other: a sign of ratings made in bulk. Unscoped: the oversight rules
    run as the system. The grouping happens in SQL; only candidate groups' timestamps are read."""
    conf = RatingSettings.load()
    window = dt.timedelta(minutes=window_minutes or conf.burst_window_minutes)
    threshold = threshold or conf.burst_threshold
    until = until or timezone.now()
    since = since or until - dt.timedelta(days=1)
    base = Rating.objects.filter(created_at__gte=since, created_at__lte=until)
    candidates = base.values(*IDENTITY).annotate(n=Count("id")).filter(n__gte=threshold).order_by()
    bursts: list[dict[str, Any]] = []
    for group in candidates:
        key = {k: group[k] for k in IDENTITY}
        rows = list(base.filter(**key).order_by("created_at", "id").values_list("id", "created_at"))
        start = 0
        best: tuple[int, int] = (0, 0)
        for end in range(len(rows)):
            while rows[end][1] - rows[start][1] > window:
                start += 1
            if end - start + 1 > best[1] - best[0]:
                best = (start, end + 1)
        if best[1] - best[0] >= threshold:
            chosen = rows[best[0] : best[1]]
            bursts.append({
                **key, "count": len(chosen), "rating_ids": [r[0] for r in chosen],
                "first_at": chosen[0][1], "last_at": chosen[-1][1],
            })  # fmt: skip
    return bursts
