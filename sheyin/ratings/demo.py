"""Demo 好差评 data, all through the flows a citizen meets: ratings with the 评价码 of the demo window cases'
receipts and of the online self-service sessions' slips (when casework's demo ran, its year of history
included), and a few bad reviews in various handling states. The history's bad reviews were handled back
then: verified, rectified (late in the slump quarter, sheyin.common.demo_history.slump) and closed with
their outcome published. Terminal ratings come with the kiosk's demo printouts (kiosk/demo.py), which
runs later. No code is issued here for a service nobody gave. Idempotent."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from sheyin.common import demo_history
from sheyin.notices.models import PublicNotice
from sheyin.notifications.models import Notification

from . import services
from .models import BadReviewCase, Rating, RatingToken

COMMENTS = ["", "", "服务热情，办理很快", "工作人员讲解耐心", "", "等候时间稍长", "环境整洁"]
BAD_COMMENTS = ["排队等候时间太长", "工作人员态度生硬", "材料要求没有一次性告知"]
# How the history's citizens rate (levels 5 to 1): a bad review now and then, more in the slump quarter.
USUAL = [64, 23, 9, 3, 1]
SLUMP = [45, 22, 19, 9, 5]
RECENT_DAYS = 10  # no bad review of the last days but the six below, which show every handling state
# What the outlet found and did about a bad review, by its complaint: verification, rectification, and the
# outcome published.
HANDLING = {
    "排队等候时间太长": ("调取叫号记录，当日高峰时段等候超过40分钟，情况属实",
                         "高峰时段增开窗口，引导员将查询打印类业务分流至自助终端",
                         "已在高峰时段增开窗口，并安排引导员分流查询打印类业务"),
    "工作人员态度生硬": ("调取窗口录像，经办人员解释政策不够耐心，情况属实",
                         "对经办人员进行服务规范培训并由网点负责人谈话提醒",
                         "已对经办人员开展服务规范培训并谈话提醒"),
    "材料要求没有一次性告知": ("核对受理记录，首次告知时遗漏一项材料，情况属实",
                               "更新窗口一次性告知单，经办人员逐项核对后告知",
                               "已更新一次性告知单并组织经办人员学习"),
}  # fmt: skip


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
    slump = demo_history.slump(timezone.localdate(now))
    n = 0
    history: list[BadReviewCase] = []

    def rated(token: str, at: dt.datetime) -> None:
        rating = rate(token, _level(rng, at, now, slump), rng, min(now, at))
        if rating.is_bad:
            history.append(rating.bad_review)

    for case in Case.objects.filter(status=CaseStatus.COMPLETED, rating__isnull=True).order_by(
        "ended_at", "id"
    ):
        if rng.random() < 0.8:
            rated(case.rating_token or "", (case.ended_at or now) + dt.timedelta(minutes=3))
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
            rated(slip.token, slip.issued_at + dt.timedelta(minutes=rng.randrange(2, 90)))
            n += 1
    # The history's bad reviews were dealt with when they came in, in the slump quarter mostly after their
    # deadline (one in four on time); their alerts (sent once this commits) are not left in today's inboxes.
    slumped = 0
    for bad in history:
        if slump[0] <= timezone.localdate(bad.opened_at) <= slump[1]:
            slumped += 1
            _handled(bad, rng, late=slumped % 4 != 0)
        else:
            _handled(bad, rng, late=False)
    urls = [f"/ratings/bad-reviews/{bad.pk}/" for bad in history]
    transaction.on_commit(lambda: Notification.objects.filter(url__in=urls, created_at__gte=now).delete())
    stdout.write(
        f"ratings demo data: {n} ratings, {BadReviewCase.objects.count()} bad reviews "
        f"({len(history)} of them in the history, handled and closed)"
    )


def _level(rng: random.Random, at: dt.datetime, now: dt.datetime, slump: tuple[dt.date, dt.date]) -> int:
    """A rating of the history: never bad in the last days, worse in the slump quarter."""
    if now - at < dt.timedelta(days=RECENT_DAYS):
        return max(3, levels(rng))
    worse = slump[0] <= timezone.localdate(at) <= slump[1]
    return rng.choices([5, 4, 3, 2, 1], weights=SLUMP if worse else USUAL)[0]


def _handled(bad: BadReviewCase, rng: random.Random, *, late: bool) -> None:
    """History: the outlet verified the bad review the next day and rectified it a few days later (after
    its deadline when `late`); then it was closed and its outcome published. The services stamp "now", so
    the steps and the published notice move back to when they happened."""
    verification, rectification, outcome = HANDLING.get(bad.rating.comment, HANDLING[BAD_COMMENTS[0]])
    verified = bad.opened_at + dt.timedelta(days=1)
    rectified = bad.opened_at + dt.timedelta(days=rng.randint(9, 13) if late else rng.randint(2, 5))
    closed = rectified + dt.timedelta(days=1)
    bad = services.bad_review_verify(bad=bad, note=verification, by=None)
    bad = services.bad_review_rectify(bad=bad, note=rectification, by=None)
    bad = services.bad_review_close(bad=bad, outcome=outcome, by=None)
    BadReviewCase.objects.filter(pk=bad.pk).update(
        verified_at=verified, rectified_at=rectified, closed_at=closed, published_at=closed,
        rectified_on_time=timezone.localdate(rectified) <= bad.due_date,
    )  # fmt: skip
    for action, at in (("verify", verified), ("rectify", rectified), ("close", closed)):
        bad.steps.filter(action=action).update(at=at)
    PublicNotice.objects.filter(object_type=BadReviewCase._meta.label_lower, object_id=str(bad.pk)).update(
        published_at=closed
    )


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
