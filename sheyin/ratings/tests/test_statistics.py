"""Statistics (R9.5) on a planted data set equal the figures computed independently here; ranking order;
burst detection positive and negative; the one re-invitation of unrated cases."""

from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.tests.factories import BankFactory, municipal
from sheyin.ratings import services, statistics
from sheyin.ratings.models import BadReviewCase, RatingToken
from sheyin.ratings.selectors import rating_bursts

from .factories import call_back, completed_case, good, outlet, rate, real_name

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
MARCH = dt.datetime(2026, 3, 10, 10, 0, tzinfo=TZ)

# (outlet key, level, real name, handling: None | "on_time" | "late" | "called_back")
PLAN = [
    ("a1", 5, False, None), ("a1", 4, False, None), ("a1", 3, False, None), ("a1", 1, True, "called_back"),
    ("a1", 2, False, "on_time"),
    ("a2", 5, False, None), ("a2", 5, False, None), ("a2", 2, True, "late"),
    ("b1", 4, False, None), ("b1", 1, True, None), ("b1", 3, False, None),
]  # fmt: skip
UNRATED = {"a1": 2, "a2": 1, "b1": 0}


@pytest.fixture
def planted(reference):  # type: ignore[no-untyped-def]
    bank = BankFactory()
    outlets = {"a1": outlet("110105", bank), "a2": outlet("110105", bank), "b1": outlet("110108")}
    officers = {k: user_with_role(Role.DISTRICT_OFFICER, agency=o.district) for k, o in outlets.items()}
    managers = {k: user_with_role(Role.OUTLET_MANAGER, outlet=o) for k, o in outlets.items()}
    for i, (key, level, rn, handling) in enumerate(PLAN):
        when = MARCH + dt.timedelta(hours=i)
        with mock.patch("django.utils.timezone.now", return_value=when):
            case = completed_case(outlets[key], ended_at=when)
            data = real_name(level) if rn else good(level)
            rating = rate(case, data)
            bad = rating.bad_review if level <= 2 else None
        if bad is None or handling is None:
            continue
        later = when + dt.timedelta(days=2 if handling != "late" else 12)
        with mock.patch("django.utils.timezone.now", return_value=later):
            bad = services.bad_review_verify(bad=bad, note="属实", by=officers[key])
            bad = services.bad_review_rectify(bad=bad, note="已整改", by=managers[key])
            if handling == "called_back":
                call_back(bad, managers[key], note="满意")
    for key, n in UNRATED.items():
        for _i in range(n):
            completed_case(outlets[key], ended_at=MARCH)
    # Outside the month: neither counted nor completed in March.
    rate(
        completed_case(outlets["a1"], ended_at=MARCH + dt.timedelta(days=30)),
        good(1),
        at=MARCH + dt.timedelta(days=30),
    )
    return outlets


def expected(keys: set[str]) -> dict[str, float | int | None]:
    rows = [p for p in PLAN if p[0] in keys]
    bad = [p for p in rows if p[1] <= 2]
    real_bad = [p for p in bad if p[2]]
    completed = len(rows) + sum(UNRATED[k] for k in keys)

    def rate_(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    return {
        "ratings": len(rows),
        "satisfaction_rate": rate_(sum(1 for p in rows if p[1] >= 3), len(rows)),
        "active_rate": rate_(len(rows), completed),
        "rectification_rate": rate_(sum(1 for p in bad if p[3] in ("on_time", "called_back")), len(bad)),
        "callback_rate": rate_(sum(1 for p in real_bad if p[3] == "called_back"), len(real_bad)),
    }


def pick(row: dict) -> dict:  # type: ignore[type-arg]
    return {
        k: row[k]
        for k in ("ratings", "satisfaction_rate", "active_rate", "rectification_rate", "callback_rate")
    }


def test_figures_by_outlet_bank_district_and_city_equal_an_independent_count(planted) -> None:
    start, end = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
    by_outlet = {r["outlet_id"]: pick(r) for r in statistics.figures(start=start, end=end, by="outlet")}
    assert by_outlet == {o.pk: expected({k}) for k, o in planted.items()}
    by_district = {r["district_id"]: pick(r) for r in statistics.figures(start=start, end=end, by="district")}
    assert by_district[planted["a1"].district_id] == expected({"a1", "a2"})
    assert by_district[planted["b1"].district_id] == expected({"b1"})
    by_bank = {r["bank_id"]: pick(r) for r in statistics.figures(start=start, end=end, by="bank")}
    assert by_bank[planted["a1"].bank_id] == expected({"a1", "a2"})
    (city,) = statistics.figures(start=start, end=end, by="city")
    assert pick(city) == expected({"a1", "a2", "b1"})


def test_monthly_figures_split_by_month(planted) -> None:
    rows = statistics.figures(start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 30), by="city", monthly=True)
    months = {r["month"]: r["ratings"] for r in rows}
    assert months == {dt.date(2026, 3, 1): len(PLAN), dt.date(2026, 4, 1): 1}


def test_a_bank_admin_sees_figures_of_its_own_outlets_only(planted) -> None:
    admin = user_with_role(Role.BANK_ADMIN, bank=planted["a1"].bank)
    rows = statistics.figures(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31), by="outlet", user=admin)
    assert {r["outlet_id"] for r in rows} == {planted["a1"].pk, planted["a2"].pk}


def test_the_ranking_orders_by_satisfaction_then_volume(planted) -> None:
    rows = statistics.monthly_ranking(dt.date(2026, 3, 1))
    sats = {k: expected({k})["satisfaction_rate"] for k in planted}
    order = sorted(planted, key=lambda k: (-sats[k], -expected({k})["ratings"]))
    assert [r["outlet_id"] for r in rows] == [planted[k].pk for k in order]
    chaoyang = [r for r in rows if r["outlet"].district_id == planted["a1"].district_id]
    assert [r["district_rank"] for r in chaoyang] == [1, 2]


def test_the_ranking_shows_each_outlets_figures_as_the_statistics_define_them(planted) -> None:
    rows = {r["outlet_id"]: r for r in statistics.monthly_ranking(dt.date(2026, 3, 1))}
    for key, o in planted.items():
        e = expected({key})
        row = rows[o.pk]
        bad = sum(1 for k, level, _rn, _h in PLAN if k == key and level <= 2)
        assert (row["ratings"], row["bad"]) == (e["ratings"], bad)
        assert row["satisfaction_rate"] == e["satisfaction_rate"]
        assert row["rectification_rate"] == e["rectification_rate"]


def test_the_ranking_counts_in_two_queries_however_many_outlets(planted, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    for _i in range(3):
        rate(completed_case(outlet("110105")), good(5), at=MARCH)
    with django_assert_num_queries(2):  # the counts per outlet, then the outlets' names
        rows = statistics.monthly_ranking(dt.date(2026, 3, 1))
    assert len(rows) == len(planted) + 3


def test_a_district_officer_ranks_only_the_outlets_of_their_district(planted) -> None:
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=planted["b1"].district)
    rows = statistics.monthly_ranking(dt.date(2026, 3, 1), user=officer)
    assert [(r["outlet_id"], r["city_rank"], r["district_rank"]) for r in rows] == [(planted["b1"].pk, 1, 1)]


def test_an_outlet_ranked_but_outside_the_outlets_the_user_may_list_still_has_its_name(planted) -> None:
    from sheyin.ratings import statistics as module

    with mock.patch.object(
        module, "scoped", side_effect=lambda qs, user: qs.none() if qs.model.__name__ == "Outlet" else qs
    ):
        rows = statistics.monthly_ranking(
            dt.date(2026, 3, 1), user=user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
        )
    assert {r["outlet"].name for r in rows} == {o.name for o in planted.values()}


def test_outlet_scores_feed_the_appraisal(planted) -> None:
    scores = statistics.outlet_scores(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    e = expected({"b1"})
    assert scores[planted["b1"].pk]["score"] == round(
        100 * (0.6 * e["satisfaction_rate"] + 0.2 * 0 + 0.2 * 0), 2
    )
    assert set(scores) == {o.pk for o in planted.values()}


def test_an_upheld_appeal_leaves_every_figure(planted) -> None:
    from sheyin.ratings.models import Rating

    Rating.objects.filter(outlet=planted["b1"], level=1).update(excluded=True)
    (row,) = statistics.figures(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31), by="district",
                                filters={"district_id": planted["b1"].district_id})  # fmt: skip
    assert row["ratings"] == 2 and row["satisfaction_rate"] == 1.0 and row["callback_rate"] is None


def test_identical_ratings_in_a_short_window_are_a_burst(reference) -> None:
    o = outlet()
    for i in range(5):
        rate(completed_case(o), good(5, comment="好"), at=MARCH + dt.timedelta(minutes=i))
    rate(completed_case(o), good(4, comment="好"), at=MARCH)  # different level: not part of it
    (burst,) = rating_bursts(10, 5, since=MARCH - dt.timedelta(hours=1), until=MARCH + dt.timedelta(hours=1))
    assert burst["count"] == 5 and burst["outlet_id"] == o.pk and burst["level"] == 5


def test_identical_ratings_spread_over_time_are_not_a_burst(reference) -> None:
    o = outlet()
    for i in range(5):
        rate(completed_case(o), good(5, comment="好"), at=MARCH + dt.timedelta(minutes=4 * i))
    rate(completed_case(outlet()), good(5, comment="好"), at=MARCH)  # another outlet
    assert (
        rating_bursts(10, 5, since=MARCH - dt.timedelta(hours=1), until=MARCH + dt.timedelta(hours=1)) == []
    )
    assert (
        len(rating_bursts(20, 5, since=MARCH - dt.timedelta(hours=1), until=MARCH + dt.timedelta(hours=1)))
        == 1
    )


def test_unrated_cases_are_invited_again_once_after_three_days(reference) -> None:
    o = outlet()
    now = dt.datetime(2026, 3, 20, 9, 0, tzinfo=TZ)
    old = completed_case(o, ended_at=now - dt.timedelta(days=3, minutes=1))
    fresh = completed_case(o, ended_at=now - dt.timedelta(days=2))
    rate(completed_case(o, ended_at=now - dt.timedelta(days=5)))
    sender = mock.Mock()
    with (
        mock.patch("sheyin.ratings.services._sender", return_value=sender),
        mock.patch("django.db.transaction.on_commit", side_effect=lambda f: f()),
    ):
        assert services.rating_invite_unrated(now=now) == 1
        assert services.rating_invite_unrated(now=now) == 0
    assert RatingToken.objects.get(case=old).invited_again_at == now
    assert not RatingToken.objects.filter(case=fresh).exists()
    sender.send.assert_called_once_with(tokens=[old.rating_token])


def test_the_ranking_loads_each_outlets_district_with_it(planted, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    rows = statistics.monthly_ranking(dt.date(2026, 3, 1))
    with django_assert_max_num_queries(0):  # the page shows every outlet's district: no query per row
        assert all(r["outlet"].district.name for r in rows)


def test_the_ranking_page_shows_a_page_of_outlets_with_their_city_ranks_and_the_total(
    planted, client, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    from sheyin.ratings import views

    monkeypatch.setattr(views, "RANKING_PAGE", 2)
    client.force_login(user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()))
    first = client.get(reverse("ratings:ranking"), {"month": "2026-03"})
    second = client.get(reverse("ratings:ranking"), {"month": "2026-03", "page": "2"})
    assert [r["city_rank"] for r in first.context["rows"]] == [1, 2]
    assert [r["city_rank"] for r in second.context["rows"]] == [3]
    assert "共 3 条" in second.content.decode() and "第 2 / 2 页" in second.content.decode()


def test_the_satisfaction_trend_agrees_with_the_full_figures_month_by_month(planted) -> None:
    from sheyin.ratings.models import Rating

    Rating.objects.filter(outlet=planted["b1"], level=1).update(excluded=True)  # an upheld appeal
    full = statistics.figures(start=dt.date(2026, 1, 1), end=dt.date(2026, 4, 30), by="city", monthly=True)
    trend = statistics.satisfaction_by_month(start=dt.date(2026, 1, 1), end=dt.date(2026, 4, 30))
    assert [r["month"] for r in trend] == [dt.date(2026, m, 1) for m in (1, 2, 3, 4)]  # every month listed
    assert [(r["month"], r["ratings"], r["satisfaction_rate"]) for r in trend if r["ratings"]] == [
        (r["month"], r["ratings"], r["satisfaction_rate"])
        for r in sorted(full, key=lambda r: r["month"])
        if r["ratings"]
    ]
    assert all(r["satisfaction_rate"] is None for r in trend if not r["ratings"])


def _trend_by_month() -> dict[dt.date, int]:
    trend = statistics.satisfaction_by_month(start=dt.date(2026, 1, 1), end=dt.date(2026, 4, 30))
    return {r["month"]: r["ratings"] for r in trend}


def test_a_closed_months_counts_are_read_once_and_kept_until_a_new_generation(planted) -> None:
    from sheyin.ratings.models import Rating

    first = _trend_by_month()
    assert first[dt.date(2026, 3, 1)] == len(PLAN)
    Rating.objects.filter(created_at__month=3).update(excluded=True)  # not a service: nothing is told
    with CaptureQueriesContext(connection) as ctx:
        assert _trend_by_month() == first
    assert not ctx.captured_queries  # the four months of 2026 closed long ago: nothing is read
    statistics.closed_months_changed()
    assert _trend_by_month()[dt.date(2026, 3, 1)] == 0


def test_an_upheld_appeal_in_a_closed_month_leaves_the_trend_at_once(planted) -> None:
    before = _trend_by_month()[dt.date(2026, 3, 1)]
    bad = BadReviewCase.objects.get(rating__outlet=planted["b1"], rating__level=1)
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=planted["b1"])
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=planted["b1"].district)
    with mock.patch("django.utils.timezone.now", return_value=MARCH + dt.timedelta(days=1)):
        bad = services.bad_review_appeal(bad=bad, reason="评价人并非本网点办事群众", by=manager)
        services.bad_review_decide_appeal(bad=bad, uphold=True, note="经核查，申诉成立", by=officer)
    assert _trend_by_month()[dt.date(2026, 3, 1)] == before - 1


def test_the_current_month_is_always_read_live(planted) -> None:
    today = timezone.localdate().replace(day=1)
    start = (today - dt.timedelta(days=1)).replace(day=1)
    trend = statistics.satisfaction_by_month(start=start, end=today + dt.timedelta(days=27))
    rate(completed_case(planted["a1"]), good(5))
    again = statistics.satisfaction_by_month(start=start, end=today + dt.timedelta(days=27))
    assert again[-1]["ratings"] == trend[-1]["ratings"] + 1
