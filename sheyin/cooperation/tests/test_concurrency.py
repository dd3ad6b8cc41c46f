"""Two people approving the same step at the same moment: exactly one succeeds (design rule 3).

Runs on PostgreSQL, where two connections really race for the row lock (select_for_update); CI runs the
suite on both databases, and SQLite serialises writers by itself.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from sheyin.cooperation import services
from sheyin.cooperation.models import Agreement, Filing
from sheyin.cooperation.workflow import TransitionError

from .factories import People, cooperating, signed


def _race(calls):  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = []
    lock = threading.Lock()

    def run(fn):  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=10)
            result: object = fn()
        except Exception as exc:  # the typed refusal is what the loser gets
            result = exc
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in calls]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=30)
    return outcomes


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a real row-lock race needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_admins_approving_the_same_bank_application_at_once_exactly_one_succeeds(reference) -> None:  # type: ignore[no-untyped-def]
    p = People()
    app = services.bank_application_create(
        bank=p.bank,
        by=p.bank_admin,
        data={
            "applicant": "branch",
            "contact_name": "甲",
            "contact_phone": "1",
            "planned_outlets": 1,
            "proposal": "方案",
        },
    )
    services.bank_application_submit(application=app, by=p.bank_admin)
    services.bank_application_review(application=app, opinion="同意", by=p.muni_officer)

    outcomes = _race(
        [
            lambda: services.bank_application_approve(application=app, reason="甲同意", by=p.muni_admin),
            lambda: services.bank_application_approve(application=app, reason="乙同意", by=p.muni_admin2),
        ]
    )
    wins = [o for o in outcomes if not isinstance(o, Exception)]
    losses = [o for o in outcomes if isinstance(o, Exception)]
    assert len(wins) == 1 and len(losses) == 1
    assert isinstance(losses[0], TransitionError)
    assert "当前状态为“已批准”，不能执行“批准”" in losses[0].messages[0]
    # one approval, one generated agreement
    assert Agreement.objects.filter(bank_application=app).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a real row-lock race needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_checkers_approving_the_same_filing_at_once_exactly_one_succeeds(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    filing = services.filing_submit(agreement=signed(p), by=p.district_officer)
    outcomes = _race(
        [
            lambda: services.filing_check(filing=filing, approve=True, by=p.muni_officer),
            lambda: services.filing_check(filing=filing, approve=True, by=p.muni_admin),
        ]
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Filing", "TransitionError"]
    filing = Filing.objects.get(pk=filing.pk)
    assert filing.checked_by_id in (p.muni_officer.pk, p.muni_admin.pk)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race for numbers needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_six_outlet_applications_at_the_same_moment_all_get_their_own_numbers(reference) -> None:  # type: ignore[no-untyped-def]
    """Every business number comes from one allocator (R4.2): simultaneous applications of one bank in one
    district are all registered, none refused with a false “same name” message."""
    from .factories import application_data

    p = cooperating()
    datas = [application_data() for _ in range(6)]
    outcomes = _race(
        [lambda d=d: services.outlet_application_create(bank=p.bank, data=d, by=p.bank_admin) for d in datas]
    )
    failures = [o for o in outcomes if isinstance(o, Exception)]
    assert failures == []
    apps = [o for o in outcomes if not isinstance(o, Exception)]
    assert len({a.number for a in apps}) == 6
    assert len({a.outlet.code for a in apps}) == 6


# --- simultaneous acceptances keep the distance rule (R8.4) -----------------------------------------


def _pair_596m_apart(code_a: str, code_b: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """Two sites 596 m apart, the first in district `code_a`, the second in `code_b`, each clear of every
    other outlet and office (so that the only conflict is between the two)."""
    import math
    import random

    from sheyin.common import geo
    from sheyin.cooperation import layout
    from sheyin.institutions.models import Agency

    rng = random.Random(596)
    da, db = Agency.objects.get(code=code_a), Agency.objects.get(code=code_b)
    for lon, lat in geo.random_points_in(code_a, 3000, rng):
        for bearing in range(0, 360, 20):
            b = math.radians(bearing)
            q = (
                lon + 596 * math.sin(b) / (111320 * math.cos(math.radians(lat))),
                lat + 596 * math.cos(b) / 111320,
            )
            k = 596 / geo.distance_m(lon, lat, *q)  # correct the flat approximation to exactly 596 m
            q = (lon + (q[0] - lon) * k, lat + (q[1] - lat) * k)
            if geo.district_of(*q) != code_b or round(geo.distance_m(lon, lat, *q)) != 596:
                continue
            if (
                layout.check(lon=lon, lat=lat, district=da).ok
                and layout.check(lon=q[0], lat=q[1], district=db).ok
            ):
                return (lon, lat), q
    raise AssertionError("no pair of sites found")


def _inspected_at(p: People, code: str, site: tuple[float, float]):  # type: ignore[no-untyped-def]
    from .factories import inspected

    return inspected(p, code=code, lon=site[0], lat=site[1])


def _only_one_accepted(outcomes: list[object]) -> None:
    from sheyin.cooperation.models import OutletApplication

    wins = [o for o in outcomes if isinstance(o, OutletApplication)]
    losses = [o for o in outcomes if isinstance(o, Exception)]
    assert len(wins) == 1 and len(losses) == 1, outcomes
    assert isinstance(losses[0], TransitionError)
    assert "网点位置不符合最小间距要求" in losses[0].messages[0] and "596米" in losses[0].messages[0]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a real race between two acceptances needs PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_acceptances_596_m_apart_in_two_districts_at_once_only_one_is_accepted(reference) -> None:  # type: ignore[no-untyped-def]
    """R8.4: 朝阳 and 海淀 both keep 1,500 m; the layout check and the acceptance are serialised city-wide,
    so the second acceptance sees the first outlet and is sent to the layout-exception route."""
    from sheyin.institutions.models import Outlet, OutletStatus

    site_a, site_b = _pair_596m_apart("110105", "110108")
    pa, pb = cooperating("110105"), cooperating("110108")
    app_a, app_b = _inspected_at(pa, "110105", site_a), _inspected_at(pb, "110108", site_b)
    outcomes = _race(
        [
            lambda: services.outlet_application_accept(application=app_a, by=pa.district_admin),
            lambda: services.outlet_application_accept(application=app_b, by=pb.district_admin),
        ]
    )
    _only_one_accepted(outcomes)
    accepted = Outlet.objects.filter(pk__in=[app_a.outlet_id, app_b.outlet_id], status=OutletStatus.ACCEPTED)
    assert accepted.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a real race between two acceptances needs PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_acceptances_596_m_apart_in_one_district_at_once_only_one_is_accepted(reference) -> None:  # type: ignore[no-untyped-def]
    site_a, site_b = _pair_596m_apart("110105", "110105")
    p = cooperating("110105")
    app_a, app_b = _inspected_at(p, "110105", site_a), _inspected_at(p, "110105", site_b)
    outcomes = _race(
        [
            lambda: services.outlet_application_accept(application=app_a, by=p.district_admin),
            lambda: services.outlet_application_accept(application=app_b, by=p.district_admin2),
        ]
    )
    _only_one_accepted(outcomes)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a real race between two layout steps needs PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_a_move_and_an_acceptance_596_m_apart_at_once_keep_the_distance(reference) -> None:  # type: ignore[no-untyped-def]
    """The approval of a move makes an outlet count at a new place: it takes the same layout lock."""
    from sheyin.cooperation.models import OutletChangeRequest

    from .factories import far_point, operating_outlet_direct

    site_a, site_b = _pair_596m_apart("110105", "110105")
    p = cooperating("110105")
    moving = operating_outlet_direct(p.bank, point=far_point(p.district))
    cr = services.outlet_change_request_create(
        outlet=moving, changes={"lon": site_b[0], "lat": site_b[1]}, reason="迁址", by=p.bank_admin
    )
    app = _inspected_at(p, "110105", site_a)
    outcomes = _race(
        [
            lambda: services.outlet_application_accept(application=app, by=p.district_admin),
            lambda: services.outlet_change_request_approve(change_request=cr, by=p.district_admin2),
        ]
    )
    wins = [o for o in outcomes if not isinstance(o, Exception)]
    losses = [o for o in outcomes if isinstance(o, Exception)]
    assert len(wins) == 1 and len(losses) == 1, outcomes
    assert isinstance(losses[0], TransitionError)
    assert "最小间距要求" in losses[0].messages[0]
    assert isinstance(wins[0], (OutletChangeRequest, type(app)))
