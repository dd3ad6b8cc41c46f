"""One allocator for every business number: never the same number twice, even at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from sheyin.common.models import NumberSeries
from sheyin.common.numbering import allocate, allocate_integer
from sheyin.notices.models import PublicNotice
from sheyin.support.models import Ticket


@pytest.mark.django_db
def test_it_counts_up_within_a_prefix_and_keeps_prefixes_apart() -> None:
    assert allocate(Ticket, "number", "WT20261206", 4) == "WT202612060001"
    assert allocate(Ticket, "number", "WT20261206", 4) == "WT202612060002"
    assert allocate(Ticket, "number", "WT20261207", 4) == "WT202612070001"


@pytest.mark.django_db
def test_it_continues_after_numbers_stored_before_the_series_existed(reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.support import services
    from sheyin.support.models import Category
    from sheyin.support.tests.factories import world

    w = world()
    old = services.ticket_raise(category=Category.SYSTEM, title="终端无法打印", description="自助终端卡纸报错",
                                by=w.staff)  # fmt: skip
    prefix = old.number[:-4]
    NumberSeries.objects.all().delete()  # as on a database from before the allocator
    Ticket.objects.filter(pk=old.pk).update(number=f"{prefix}0041")
    assert allocate(Ticket, "number", prefix, 4) == f"{prefix}0042"


@pytest.mark.django_db
def test_a_rolled_back_transaction_gives_its_number_back() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        allocate(Ticket, "number", "WT20261208", 4)
        raise RuntimeError("the caller's write failed")
    assert allocate(Ticket, "number", "WT20261208", 4) == "WT202612080001"


@pytest.mark.django_db
def test_integer_numbers_continue_from_the_highest_stored_value() -> None:
    from sheyin.catalogue.models import CatalogueVersion

    start = allocate_integer(CatalogueVersion, "number")
    assert allocate_integer(CatalogueVersion, "number") == start + 1
    assert not PublicNotice.objects.exists()  # allocation itself writes nothing else


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race for the row lock needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_eight_allocations_at_the_same_moment_get_eight_different_numbers() -> None:
    barrier = threading.Barrier(8)
    numbers: list[str] = []
    lock = threading.Lock()

    def take() -> None:
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                n = allocate(Ticket, "number", "WT20261209", 4)
            with lock:
                numbers.append(n)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=30)
    assert sorted(numbers) == [f"WT20261209{i:04d}" for i in range(1, 9)]
