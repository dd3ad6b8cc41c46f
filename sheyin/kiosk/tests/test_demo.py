"""The demo's 好差评 data holds only ratings a real flow can make (R9.5): each was given with the 评价码 of a
paper someone was handed — a window receipt, an online self-service slip or a terminal printout."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from sheyin.kiosk.models import PrintedRecord
from sheyin.ratings.models import Rating

pytestmark = pytest.mark.django_db


def test_every_demo_rating_was_given_with_the_code_of_a_paper_handed_over(reference) -> None:  # type: ignore[no-untyped-def]
    call_command("seed_demo", verbosity=0)
    printed_tokens = set(
        PrintedRecord.objects.exclude(rating_token=None).values_list("rating_token", flat=True)
    )
    ratings = list(Rating.objects.select_related("token"))
    orphans = [r.pk for r in ratings if r.token.case_id is None and r.token.guided_id is None
               and r.token_id not in printed_tokens]  # fmt: skip
    assert not orphans
    assert {r.channel for r in ratings} == {"T", "O", "W"}
    assert all(r.channel == "T" for r in ratings if r.token_id in printed_tokens)
