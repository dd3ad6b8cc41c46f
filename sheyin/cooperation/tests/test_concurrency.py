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
