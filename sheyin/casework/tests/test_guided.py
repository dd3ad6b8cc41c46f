"""The online self-service counter (R2.2): the guide logs each assisted session."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from sheyin.accounts.permissions import NotAllowed
from sheyin.casework import services
from sheyin.casework.models import GuidedSession
from sheyin.casework.workflow import GuidedStatus, TransitionError

from .factories import NOT_AT_WINDOW, item, staff_user, world

pytestmark = pytest.mark.django_db


def test_a_guide_logs_the_service_the_outcome_and_the_duration(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    s = services.guided_start(item=item(NOT_AT_WINDOW), by=w.staff)  # 养老保险个人账户查询: online
    GuidedSession.objects.filter(pk=s.pk).update(started_at=s.started_at - dt.timedelta(minutes=7))
    done = services.guided_finish(session=s, outcome="completed", note="教会使用网厅", by=w.staff)
    assert done.status == GuidedStatus.FINISHED and done.service_name == item(NOT_AT_WINDOW).name
    assert 7 * 60 <= done.duration_seconds < 8 * 60 and done.outlet == w.outlet
    with pytest.raises(TransitionError):
        services.guided_finish(session=s, outcome="completed", by=w.staff)


def test_an_item_not_online_and_a_missing_service_are_refused(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    with pytest.raises(ValidationError) as exc:
        services.guided_start(item=item("SY-C-001"), by=w.staff)  # 社保卡申领: window only
    assert "不能在网厅自助办理" in " ".join(exc.value.messages)
    with pytest.raises(ValidationError):
        services.guided_start(service_name=" ", by=w.staff)
    assert not GuidedSession.objects.exists()


def test_a_guide_without_an_online_grant_is_refused(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    window_only = staff_user(w.outlet, channels="W")
    with pytest.raises(ValidationError) as exc:
        services.guided_start(service_name="电子社保卡申领指导", by=window_only)
    assert "网厅自助业务授权" in " ".join(exc.value.messages)


def test_only_the_guide_ends_their_session(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    s = services.guided_start(service_name="电子社保卡申领指导", by=w.staff)
    with pytest.raises(NotAllowed):
        services.guided_finish(session=s, outcome="completed", by=w.colleague)


def test_the_page_starts_and_finishes_a_session(client, reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    client.force_login(w.staff)
    client.post("/casework/guided/", {"service_name": "参保证明查询打印"})
    s = GuidedSession.objects.get()
    client.post(f"/casework/guided/{s.pk}/finish/", {"outcome": "referred", "note": "转窗口"})
    s.refresh_from_db()
    assert s.outcome == "referred" and "参保证明查询打印" in client.get("/casework/guided/").content.decode()


def test_every_session_ends_with_a_rating_code_that_rates_the_guide(reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.ratings import services as ratings
    from sheyin.ratings.models import Rating, RatingToken
    from sheyin.ratings.tests.factories import good

    w = world()
    for outcome in ("completed", "partial", "referred", "abandoned"):
        s = services.guided_finish(session=services.guided_start(service_name="失业登记", by=w.staff),
                                   outcome=outcome, by=w.staff)  # fmt: skip
        token = RatingToken.objects.get(guided=s)
        assert token.channel == "O" and token.outlet == w.outlet and token.used_at is None
    rating = ratings.rating_submit(token=token.token, data=good(4))
    assert rating == Rating.objects.get() and rating.channel == "O"
    assert rating.staff == w.staff and rating.item_name == "失业登记"  # the guide who served, and the service


def test_the_guide_hands_over_the_code_on_screen_or_on_a_printed_slip(client, reference) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    from sheyin.ratings.models import RatingToken

    w = world()
    client.force_login(w.staff)
    client.post("/casework/guided/", {"service_name": "参保证明查询打印"})
    s = GuidedSession.objects.get()
    resp = client.post(f"/casework/guided/{s.pk}/finish/", {"outcome": "completed"})
    assert resp.url == f"/casework/guided/{s.pk}/slip/"
    token = RatingToken.objects.get(guided=s)
    screen = client.get(resp.url).content.decode()
    assert token.code_display in screen and "<svg" in screen
    pdf = client.get(f"/casework/guided/{s.pk}/slip.pdf").content
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert f"评价码 {token.code_display}" in text and "参保证明查询打印" in text
    assert f"/casework/guided/{s.pk}/slip/" in client.get("/casework/guided/").content.decode()
    client.force_login(w.colleague)  # another guide may not print someone else's slip
    assert client.get(f"/casework/guided/{s.pk}/slip/").status_code == 404
