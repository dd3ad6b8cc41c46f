"""评价码 (R9.5): every paper carries a short code under its QR code, typed by a citizen without a smartphone
at /rate/ (any case, spaces or hyphens); codes of all three modes come from the same service; the rating
form asks one overall question; guessing codes is slowed down."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from sheyin.catalogue.choices import Channel
from sheyin.ratings import codes, services
from sheyin.ratings.forms import RatingForm
from sheyin.ratings.models import Rating, RatingSettings, RatingToken

from .factories import completed_case, good, outlet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():  # type: ignore[no-untyped-def]
    cache.clear()


def test_a_code_is_ten_characters_none_of_which_reads_like_another() -> None:
    made = {codes.new_token() for _ in range(300)}
    assert len(made) == 300
    for code in made:
        assert len(code) == 10 and not set(code) & set("01OIL") and code == code.upper()
    assert codes.display("ABCDE23456") == "ABCDE-23456"
    assert codes.display("LegacyTokenOfOldReceipts") == "LegacyTokenOfOldReceipts"


def test_a_citizen_types_the_code_from_the_paper_at_rate(client, reference) -> None:  # type: ignore[no-untyped-def]
    case = completed_case(outlet())
    typed = f"{case.rating_token[:5].lower()} - {case.rating_token[5:]}"
    entry = client.get("/rate/", {"code": typed})
    assert entry.status_code == 302
    page = client.get(entry["Location"])
    assert page.status_code == 200 and codes.display(case.rating_token) in page.content.decode()
    done = client.post(entry["Location"], good(4))
    assert done.status_code == 302 and Rating.objects.get().case == case


def test_a_longer_token_printed_before_still_rates(client, reference) -> None:  # type: ignore[no-untyped-def]
    case = completed_case(outlet())
    type(case).objects.filter(pk=case.pk).update(rating_token="Old_Receipt-Token_0123456")
    assert client.get("/rate/Old_Receipt-Token_0123456/").status_code == 200
    assert (
        client.get("/rate/OLD_RECEIPT-TOKEN_0123456/").status_code == 404
    )  # an old token is matched exactly


def test_the_form_asks_one_overall_question_then_three_indicators(client, reference) -> None:  # type: ignore[no-untyped-def]
    assert list(RatingForm.base_fields)[:4] == ["level", "efficiency", "skill", "attitude"]
    page = client.get(f"/rate/{completed_case(outlet()).rating_token}/").content.decode()
    assert page.count("整体满意度") == 1 and "总体评价" not in page
    assert page.count('name="level"') == 5 and 'name="overall"' not in page


def test_the_overall_answer_is_the_rating_level(reference) -> None:  # type: ignore[no-untyped-def]
    case = completed_case(outlet())
    rating = services.rating_submit(token=case.rating_token, data=good(2, efficiency=4, skill=4, attitude=4))
    assert rating.level == 2 and rating.is_bad and rating.efficiency == 4
    with pytest.raises(ValidationError) as exc:
        services.rating_submit(token=completed_case(outlet()).rating_token, data={"efficiency": 5})
    assert "level" in exc.value.message_dict


def test_guessing_codes_is_slowed_down(client, reference) -> None:  # type: ignore[no-untyped-def]
    RatingSettings.objects.update_or_create(pk=1, defaults={"rate_limit_per_minute": 3})
    statuses = [client.get(f"/rate/{codes.new_token()}/").status_code for _ in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
    assert "查询过于频繁" in client.get(f"/rate/{codes.new_token()}/").content.decode()


def test_a_code_for_a_session_or_a_case_must_carry_its_channel(reference) -> None:  # type: ignore[no-untyped-def]
    case = completed_case(outlet())
    with pytest.raises(ValidationError):
        services.rating_token_issue(outlet=case.outlet, channel=Channel.TERMINAL, case=case, by=None)
    assert not RatingToken.objects.filter(case=case).exists()
