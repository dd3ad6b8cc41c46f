"""Pages (R9.5): the public rating page rates once, shows a clear message for a used token and a friendly 404
for an unknown one, limits submissions per client (429), and shows nothing personal; staff pages are scoped."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.ratings.models import BadReviewCase, Rating, RatingSettings

from .factories import completed_case, good, outlet, rate, real_name

pytestmark = [pytest.mark.django_db, pytest.mark.urls("sheyin.ratings.tests.urls")]


@pytest.fixture(autouse=True)
def _clear_cache():  # type: ignore[no-untyped-def]
    cache.clear()


def post(client, token, data):  # type: ignore[no-untyped-def]
    return client.post(reverse("rate:rate", args=[token]), data)


def test_the_rating_page_rates_once_then_says_so(client, reference) -> None:
    case = completed_case(outlet())
    page = client.get(reverse("rate:rate", args=[case.rating_token]))
    assert page.status_code == 200 and "非常满意" in page.content.decode()
    assert "王小明" not in page.content.decode() and case.applicant_masked not in page.content.decode()
    resp = post(client, case.rating_token, good(5))
    assert resp.status_code == 302 and resp["Location"] == reverse("rate:done")
    assert "感谢" in client.get(resp["Location"]).content.decode()
    again = post(client, case.rating_token, good(1))
    assert again.status_code == 200 and "已经评价过了" in again.content.decode()
    assert Rating.objects.count() == 1 and not BadReviewCase.objects.exists()


def test_an_unknown_token_gets_a_friendly_404(client, reference) -> None:
    resp = client.get(reverse("rate:rate", args=["NoSuchToken0001"]))
    assert resp.status_code == 404 and "未找到该评价码" in resp.content.decode()


def test_a_missing_level_is_shown_on_the_field(client, reference) -> None:
    case = completed_case(outlet())
    resp = post(client, case.rating_token, {"efficiency": 5})
    assert resp.status_code == 200 and "请选择评价等级" in resp.content.decode()
    assert not Rating.objects.exists()


def test_too_many_submissions_from_one_address_get_429(client, reference) -> None:
    RatingSettings.objects.update_or_create(pk=1, defaults={"rate_limit_per_minute": 2})
    o = outlet()
    codes = [post(client, completed_case(o).rating_token, good(5)).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
    assert Rating.objects.count() == 2


def test_public_statistics_and_notices_carry_no_personal_data(client, reference) -> None:
    o = outlet()
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=o.district)
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=o)
    from sheyin.ratings import services

    bad = rate(completed_case(o), real_name(1)).bad_review
    bad = services.bad_review_verify(bad=bad, note="属实", by=officer)
    bad = services.bad_review_rectify(bad=bad, note="已整改", by=manager)
    bad = services.bad_review_call_back(
        bad=bad, result="satisfied", note="李四光 13912345678 满意", by=manager
    )
    services.bad_review_close(bad=bad, outcome="已整改，回访李四光满意", by=officer)
    for url in (reverse("ratings:public"), "/notices/", "/"):
        body = client.get(url).content.decode()
        assert "13912345678" not in body and "李四光" not in body and "139****5678" not in body, url
    assert client.get(reverse("ratings:public")).status_code == 200


def test_staff_pages_are_scoped_and_masked(client, reference) -> None:
    mine, other = outlet("110105"), outlet("110108")
    rate(completed_case(mine), real_name(1))
    theirs = rate(completed_case(other), good(2)).bad_review
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=mine.district)
    client.force_login(officer)
    listing = client.get(reverse("ratings:bad_list")).content.decode()
    assert mine.name in listing and other.name not in listing
    assert client.get(reverse("ratings:bad_detail", args=[theirs.pk])).status_code == 404
    mine_bad = BadReviewCase.objects.get(outlet=mine)
    detail = client.get(reverse("ratings:bad_detail", args=[mine_bad.pk])).content.decode()
    assert "139****5678" in detail and "13912345678" not in detail and "李四光" not in detail
    resp = client.post(
        reverse("ratings:bad_detail", args=[mine_bad.pk]), {"action": "verify", "verify-note": "属实"}
    )
    assert resp.status_code == 302
    assert BadReviewCase.objects.get(pk=mine_bad.pk).status == "verified"
    for name in ("ratings:list", "ratings:statistics", "ratings:ranking"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("ratings:statistics") + "?export=xlsx")["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    assert client.get(reverse("ratings:settings")).status_code == 403


def test_outlet_staff_read_only_the_ratings_of_their_own_cases(client, reference) -> None:
    o = outlet()
    from sheyin.casework.tests.factories import staff_user

    staff = staff_user(o)  # certified and granted: window staff without a grant are refused every page
    rate(completed_case(o, staff=staff), good(5, comment="自己的"))
    rate(completed_case(o), good(4, comment="同事的"))
    client.force_login(staff)
    body = client.get(reverse("ratings:list")).content.decode()
    assert "自己的" in body and "同事的" not in body
    assert client.get(reverse("ratings:bad_list")).status_code == 403
