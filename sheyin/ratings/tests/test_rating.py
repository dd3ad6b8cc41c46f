"""Rating by token (R9.5, 一次一评): a token rates once, sequentially and under concurrency; a bad review opens
its handling at once; contact details only for real-name ratings, phone encrypted."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sheyin.catalogue.choices import Channel
from sheyin.common.crypto import decrypt
from sheyin.ratings import services
from sheyin.ratings.models import BadReviewCase, Rating, RatingToken
from sheyin.ratings.workflow import BadReviewStatus

from .factories import completed_case, good, outlet, rate, real_name

pytestmark = pytest.mark.django_db


def test_a_completed_case_token_rates_once_and_refuses_a_second_time(reference) -> None:
    case = completed_case(outlet())
    rating = rate(case)
    assert rating.case == case and rating.outlet_id == case.outlet_id and rating.staff_id == case.staff_id
    with pytest.raises(services.AlreadyRated):
        services.rating_submit(token=case.rating_token, data=good(4))
    assert Rating.objects.count() == 1
    assert RatingToken.objects.get(case=case).used_at is not None


def test_an_unknown_token_is_refused(reference) -> None:
    with pytest.raises(ValidationError) as exc:
        services.rating_submit(token="NoSuchToken123", data=good())
    assert "token" in exc.value.message_dict


def test_a_case_not_completed_cannot_be_rated(reference) -> None:
    case = completed_case(outlet())
    type(case).objects.filter(pk=case.pk).update(status="rejected")
    assert services.rating_token_resolve(case.rating_token) is None


def test_a_level_outside_one_to_five_is_refused_and_nothing_is_written(reference) -> None:
    case = completed_case(outlet())
    with pytest.raises(ValidationError) as exc:
        services.rating_submit(token=case.rating_token, data=good(5, efficiency=6))
    assert "efficiency" in exc.value.message_dict
    assert not Rating.objects.exists()
    assert RatingToken.objects.filter(used_at__isnull=False).count() == 0


def test_a_bad_review_without_a_reason_is_refused(reference) -> None:
    case = completed_case(outlet())
    with pytest.raises(ValidationError) as exc:
        services.rating_submit(token=case.rating_token, data=good(2, comment=""))
    assert "comment" in exc.value.message_dict


def test_a_bad_review_opens_its_handling_case_at_once(reference) -> None:
    case = completed_case(outlet())
    rating = rate(case, good(1))
    bad = BadReviewCase.objects.get(rating=rating)
    assert bad.status == BadReviewStatus.OPEN and bad.steps.count() == 1
    assert rate(completed_case(case.outlet), good(3)).is_bad is False
    assert BadReviewCase.objects.count() == 1


def test_real_name_contact_is_kept_encrypted_and_masked(reference) -> None:
    rating = rate(completed_case(outlet()), real_name(2))
    assert rating.contact_phone != "13912345678" and decrypt(rating.contact_phone) == "13912345678"
    assert rating.contact_phone_masked == "139****5678" and rating.contact_name_masked == "李**"


def test_real_name_needs_a_mobile_number(reference) -> None:
    case = completed_case(outlet())
    with pytest.raises(ValidationError) as exc:
        services.rating_submit(token=case.rating_token, data=real_name(4, contact_phone="12345"))
    assert "contact_phone" in exc.value.message_dict


def test_anonymous_ratings_drop_any_contact_sent_along(reference) -> None:
    rating = rate(completed_case(outlet()), good(4, contact_name="张三", contact_phone="13900000000"))
    assert rating.contact_name == "" and rating.contact_phone == "" and not rating.real_name


def test_the_comment_is_stored_as_plain_text(reference) -> None:
    rating = rate(completed_case(outlet()), good(4, comment="<script>x</script>  很好\x00"))
    assert "<" not in rating.comment and "\x00" not in rating.comment and "很好" in rating.comment


def test_a_terminal_token_issued_by_the_system_rates_once(reference) -> None:
    o = outlet()
    token = services.rating_token_issue(outlet=o, channel=Channel.TERMINAL, by=None)
    rating = services.rating_submit(token=token, data=good(5))
    assert rating.case is None and rating.channel == Channel.TERMINAL and rating.outlet == o
    with pytest.raises(services.AlreadyRated):
        services.rating_submit(token=token, data=good(5))


def test_issuing_a_token_for_another_outlet_is_refused(reference) -> None:
    from sheyin.accounts.permissions import NotAllowed
    from sheyin.accounts.roles import Role
    from sheyin.accounts.tests.factories import user_with_role

    mine, other = outlet(), outlet()
    staff = user_with_role(Role.OUTLET_STAFF, outlet=mine)
    case = completed_case(mine, staff=staff)
    assert (
        services.rating_token_issue(outlet=mine, channel=Channel.COUNTER, case=case, by=staff)
        == case.rating_token
    )
    with pytest.raises(NotAllowed):
        services.rating_token_issue(
            outlet=other, channel=Channel.COUNTER, case=completed_case(other), by=staff
        )


def test_a_code_for_a_service_nobody_gave_is_refused(reference) -> None:
    """No free-floating codes: a window code names its case, an online code its guided session, and only the
    terminal itself (the system) issues a code for its printout."""
    from sheyin.accounts.roles import Role
    from sheyin.accounts.tests.factories import user_with_role

    o = outlet()
    staff = user_with_role(Role.OUTLET_STAFF, outlet=o)
    for channel, by in (
        (Channel.ONLINE, staff),
        (Channel.ONLINE, None),
        (Channel.COUNTER, None),
        (Channel.TERMINAL, staff),
    ):
        with pytest.raises(ValidationError) as exc:
            services.rating_token_issue(outlet=o, channel=channel, by=by)
        assert "实际提供的服务" in " ".join(exc.value.messages)
    assert not RatingToken.objects.exists()


def test_the_database_refuses_a_second_rating_of_one_case(reference) -> None:
    from django.db import IntegrityError, transaction

    case = completed_case(outlet())
    first = rate(case)
    extra = RatingToken.objects.create(token="Extra0000000000000000000", outlet=case.outlet,
                                       district=case.district, bank=case.bank, channel="W")  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(case=case, token=extra, channel="W", outlet=case.outlet, district=case.district,
                              bank=case.bank, level=5, efficiency=5, skill=5, attitude=5)  # fmt: skip
    assert Rating.objects.get() == first


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_of_one_token_give_exactly_one_rating(reference) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers per database; concurrency is exercised on PostgreSQL")
    case = completed_case(outlet())
    results: list[str] = []
    barrier = threading.Barrier(2)

    def submit() -> None:
        from django.db import connection as conn

        try:
            barrier.wait()
            services.rating_submit(token=case.rating_token, data=good(5))
            results.append("ok")
        except services.AlreadyRated:
            results.append("refused")
        finally:
            conn.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused"]
    assert Rating.objects.filter(case=case).count() == 1
