"""Demo 好差评 data, all through the flows a citizen meets: ratings with the 评价码 of the demo window cases'
receipts and of the online self-service sessions' slips (when casework's demo ran), and a few bad reviews in
various handling states. Terminal ratings come with the kiosk's demo printouts (kiosk/demo.py), which
runs later. No code is issued here for a service nobody gave. Fast and idempotent."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from . import services
from .models import BadReviewCase, Rating, RatingToken

COMMENTS = ["", "", "服务热情，办理很快", "工作人员讲解耐心", "", "等候时间稍长", "环境整洁"]
BAD_COMMENTS = ["排队等候时间太长", "工作人员态度生硬", "材料要求没有一次性告知"]


def levels(rng: random.Random) -> int:
    return rng.choices([5, 4, 3, 2, 1], weights=[60, 22, 10, 5, 3])[0]


def rate(token: str, level: int, rng: random.Random, at: dt.datetime, real: bool = False) -> Rating:
    """A citizen rates with `token` (the 评价码 on their paper) through the public service, at `at`."""
    data: dict[str, Any] = {"level": level, "efficiency": max(1, min(5, level + rng.choice([-1, 0, 0]))),
                            "skill": level, "attitude": max(1, min(5, level + rng.choice([0, 0, 1])))}  # fmt: skip
    data["comment"] = rng.choice(BAD_COMMENTS) if level <= 2 else rng.choice(COMMENTS)
    if real:
        data.update(real_name=True, contact_name="张先生", contact_phone=f"1391000{rng.randrange(10000):04d}")
    rating = services.rating_submit(
        token=token, data=data, client_address=f"10.0.{rng.randrange(255)}.{rng.randrange(255)}"
    )
    Rating.objects.filter(pk=rating.pk).update(created_at=at)
    RatingToken.objects.filter(pk=rating.token_id).update(used_at=at)
    if level <= 2:
        due = timezone.localdate(at) + dt.timedelta(days=7)
        BadReviewCase.objects.filter(rating=rating).update(opened_at=at, due_date=due)
        rating.bad_review.steps.update(at=at)
    rating.refresh_from_db()
    return rating


def seed(rng: random.Random, stdout: Any) -> None:
    if Rating.objects.exists():
        stdout.write("ratings demo data: already present")
        return
    from sheyin.casework.models import Case
    from sheyin.casework.workflow import CaseStatus

    now = timezone.now()
    n = 0
    for case in Case.objects.filter(status=CaseStatus.COMPLETED, rating__isnull=True).order_by("id")[:40]:
        if rng.random() < 0.8:
            rate(case.rating_token or "", levels(rng), rng, (case.ended_at or now) + dt.timedelta(minutes=3))
            n += 1
    # Online self-service sessions: each ended with a slip carrying its 评价码.
    slips = list(
        RatingToken.objects.filter(guided__isnull=False, used_at__isnull=True)
        .select_related("guided").order_by("issued_at")
    )  # fmt: skip
    # A handful of bad reviews at the demo outlet in every state the pages show: rated `days` ago.
    plan = [(2, "open", False, 1), (1, "verified", True, 2), (2, "rectified", True, 3), (1, "closed", False, 4),
            (2, "appealed", False, 5), (1, "overdue", True, 20)]  # fmt: skip
    for level, state, real, days in plan:
        if not slips:
            break
        slip = min(slips, key=lambda t: abs((now - t.issued_at).days - days))
        slips.remove(slip)
        bad = rate(slip.token, level, rng, slip.issued_at + dt.timedelta(minutes=4), real=real).bad_review
        _advance(bad, state)
        n += 1
    for slip in slips:
        if rng.random() < 0.8:
            rate(
                slip.token,
                max(3, levels(rng)),
                rng,
                slip.issued_at + dt.timedelta(minutes=rng.randrange(2, 90)),
            )
            n += 1
    stdout.write(f"ratings demo data: {n} ratings, {BadReviewCase.objects.count()} bad reviews")


def _demo_outlet() -> Any:
    from sheyin.accounts.models import RoleAssignment

    a = RoleAssignment.objects.filter(user__username="outlet_manager").select_related("outlet").first()
    return a.outlet if a is not None else None


def _advance(bad: BadReviewCase, state: str) -> None:
    if state in ("open", "overdue"):
        return
    if state == "appealed":
        services.bad_review_appeal(bad=bad, reason="监控显示评价人当日未在本网点办理业务", by=None)
        return
    bad = services.bad_review_verify(bad=bad, note="调取窗口录像，情况属实", by=None)
    if state == "verified":
        return
    bad = services.bad_review_rectify(bad=bad, note="增加高峰时段窗口，开展服务规范培训", by=None)
    if state == "rectified":
        return
    services.bad_review_close(bad=bad, outcome="已增加高峰时段窗口并对经办人员开展服务规范培训", by=None)
