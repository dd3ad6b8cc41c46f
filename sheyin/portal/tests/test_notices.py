"""Notices (R5.2 catalogue versions, R6.4 terminations, new outlets): list, detail and the Atom feed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils.timezone import localtime

from sheyin.institutions.tests.factories import OutletFactory
from sheyin.notices.models import PublicNotice
from sheyin.portal.tests.factories import notice

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def no_notices(reference):  # type: ignore[no-untyped-def]
    """The reference data publishes the first catalogue version's notice; these tests start from none."""
    PublicNotice.objects.all().delete()


@pytest.fixture
def notices(no_notices):  # type: ignore[no-untyped-def]
    outlet = OutletFactory()
    return {
        "opened": notice("outlet_opened", "新设网点：工商银行建国路网点", days_ago=3, object_type="institutions.outlet",
                         object_id=str(outlet.pk)),
        "terminated": notice("outlet_terminated", "网点终止：某某网点", days_ago=1),
        "catalogue": notice("catalogue", "服务事项清单第2版公示", days_ago=2),
        "future": notice("policy", "尚未到发布时间的公告", days_ago=-2),
        "outlet": outlet,
    }  # fmt: skip


def test_the_list_shows_published_notices_newest_first_with_their_dates(client, notices) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(reverse("portal:notice_list"))
    titles = [n.title for n in resp.context["page_obj"]]
    assert titles == ["网点终止：某某网点", "服务事项清单第2版公示", "新设网点：工商银行建国路网点"]
    assert localtime(notices["terminated"].published_at).strftime("%Y-%m-%d %H:%M") in resp.content.decode()


def test_the_list_filters_by_kind_and_ignores_an_unknown_kind(client, notices) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(reverse("portal:notice_list"), {"kind": "outlet_terminated"})
    assert [n.title for n in resp.context["page_obj"]] == ["网点终止：某某网点"]
    resp = client.get(reverse("portal:notice_list"), {"kind": "nonsense"})
    assert len(resp.context["page_obj"]) == 3


def test_the_list_pages_through_many_notices(client, no_notices) -> None:  # type: ignore[no-untyped-def]
    for i in range(25):
        notice(title=f"公示{i}", days_ago=i)
    first = client.get(reverse("portal:notice_list"))
    second = client.get(reverse("portal:notice_list"), {"page": 2})
    assert len(first.context["page_obj"]) == 20 and len(second.context["page_obj"]) == 5


def test_an_empty_list_says_so(client, no_notices) -> None:  # type: ignore[no-untyped-def]
    assert 'data-testid="empty"' in client.get(reverse("portal:notice_list")).content.decode()


def test_a_notice_page_links_to_the_outlet_it_announces(client, notices) -> None:  # type: ignore[no-untyped-def]
    page = client.get(reverse("portal:notice_detail", args=[notices["opened"].pk])).content.decode()
    assert reverse("portal:outlet_detail", args=[notices["outlet"].code]) in page
    assert client.get(reverse("portal:notice_detail", args=[notices["future"].pk])).status_code == 404


def test_the_atom_feed_is_valid_and_newest_first(client, notices) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(reverse("portal:notice_feed"))
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(  # noqa: S314 (our own feed, in a test)
        resp.content
    )
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}title").text and root.find(f"{ATOM}id").text and root.find(f"{ATOM}updated").text
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        "网点终止：某某网点", "服务事项清单第2版公示", "新设网点：工商银行建国路网点",
    ]  # fmt: skip
    for e in entries:
        assert e.find(f"{ATOM}id").text and e.find(f"{ATOM}updated").text
        assert e.find(f"{ATOM}link").get("href").startswith("http://testserver/notices/")


def test_the_feed_is_valid_with_no_notices(client, no_notices) -> None:  # type: ignore[no-untyped-def]
    root = ET.fromstring(  # noqa: S314 (our own feed, in a test)
        client.get(reverse("portal:notice_feed")).content
    )
    assert root.tag == f"{ATOM}feed" and root.findall(f"{ATOM}entry") == []
