"""Demo 好差评 data: ratings of the demo window cases (when casework's demo ran), terminal ratings at the demo
outlets over the last months, and a few bad reviews in various handling states. Fast and idempotent."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from sheyin.catalogue.choices import Channel

from . import services
from .models import BadReviewCase, Rating, RatingToken

COMMENTS = ["", "", "服务热情，办理很快", "工作人员讲解耐心", "", "等候时间稍长", "环境整洁"]
BAD_COMMENTS = ["排队等候时间太长", "工作人员态度生硬", "材料要求没有一次性告知"]


def _levels(rng: random.Random) -> int:
    return rng.choices([5, 4, 3, 2, 1], weights=[60, 22, 10, 5, 3])[0]


def _rate(token: str, level: int, rng: random.Random, at: dt.datetime, real: bool = False) -> Rating:
    data: dict[str, Any] = {"level": level, "overall": level, "efficiency": max(1, min(5, level + rng.choice([-1, 0, 0]))),
                            "skill": level, "attitude": max(1, min(5, level + rng.choice([0, 0, 1])))}  # fmt: skip
    data["comment"] = rng.choice(BAD_COMMENTS) if level <= 2 else rng.choice(COMMENTS)
    if real:
        data.update(real_name=True, contact_name="张先生", contact_phone=f"1391000{rng.randrange(10000):04d}")
    rating = services.rating_submit(
        token=token, data=data, client_address=f"10.0.{rng.randrange(255)}.{rng.randrange(255)}"
    )
    Rating.objects.filter(pk=rating.pk).update(created_at=at)
    RatingToken.objects.filter(pk=rating.token_id).update(used_at=at, issued_at=at - dt.timedelta(minutes=5))
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
    from sheyin.institutions.models import Outlet, OutletStatus

    now = timezone.now()
    n = 0
    for case in Case.objects.filter(status=CaseStatus.COMPLETED, rating__isnull=True).order_by("id")[:40]:
        if rng.random() < 0.8:
            _rate(
                case.rating_token or "", _levels(rng), rng, (case.ended_at or now) + dt.timedelta(minutes=3)
            )
            n += 1
    outlets = list(Outlet.objects.filter(status=OutletStatus.OPERATING).order_by("id")[:40])
    for outlet in outlets:
        for _i in range(rng.randrange(4, 12)):
            at = now - dt.timedelta(days=rng.randrange(0, 150), minutes=rng.randrange(600))
            token = services.rating_token_issue(
                outlet=outlet, channel=rng.choice([Channel.TERMINAL, Channel.ONLINE]), by=None
            )
            _rate(token, _levels(rng), rng, at)
            n += 1
    # A handful of bad reviews at the demo outlet (朝阳区, 工商银行) in every state the pages show.
    home = _demo_outlet() or (outlets[0] if outlets else None)
    if home is not None:
        plan = [(2, "open", False), (1, "verified", True), (2, "rectified", True), (1, "closed", False),
                (2, "appealed", False), (1, "overdue", True)]  # fmt: skip
        for i, (level, state, real) in enumerate(plan):
            days = 20 if state == "overdue" else i + 1
            token = services.rating_token_issue(outlet=home, channel=Channel.TERMINAL, by=None)
            bad = _rate(token, level, rng, now - dt.timedelta(days=days), real=real).bad_review
            _advance(bad, state)
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
