"""What 好差评 can show in full through the one reveal service (accounts.pii): the rater's phone for the
call-back of a real-name bad review (R9.5), and a comment as the citizen typed it (numbers unmasked).

Neither is open to window staff: the person rated must not reach the person who rated them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.pii import Revealable, register
from sheyin.common.crypto import decrypt

from .selectors import bad_reviews_for, ratings_for
from .services import note_phone_revealed


def _bad_review(user: Any, pk: int) -> Any:
    return bad_reviews_for(user).filter(pk=pk).first()


def _rating(user: Any, pk: int) -> Any:
    return ratings_for(user).filter(pk=pk).first()


def _has_phone(bad: Any) -> None:
    if not bad.rating.real_name or not bad.rating.contact_phone:
        raise ValidationError(_("匿名评价没有留下联系电话。"))


def _has_original(rating: Any) -> None:
    if not rating.comment_original_enc:
        raise ValidationError(_("该评价内容没有被遮盖的号码。"))


def register_revealables() -> None:
    register(
        Revealable(
            "rating.contact_phone", gettext_lazy("评价人联系电话"), _bad_review,
            lambda bad: decrypt(bad.rating.contact_phone), ("pii.reveal", "ratings.call_back"),
            check=_has_phone, is_phone=True, after=note_phone_revealed,
        ),
        Revealable(
            "rating.comment", gettext_lazy("评价原文"), _rating, lambda r: decrypt(r.comment_original_enc),
            ("pii.reveal", "ratings.view_bad_reviews"), check=_has_original,
        ),
    )  # fmt: skip
