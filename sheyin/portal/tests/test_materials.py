"""Policy materials (R5.3): municipal roles write them; files type-checked by content; video seeks (Range)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sheyin.accounts.roles import LEVEL, Level, Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal
from sheyin.notices.models import PublicNotice
from sheyin.portal import files, selectors, services
from sheyin.portal.models import PolicyMaterial
from sheyin.portal.tests.factories import MP4_BYTES, PDF_BYTES, MaterialFactory, upload
from sheyin.portal.workflow import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(reference):  # type: ignore[no-untyped-def]
    return user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())


def data(**kw):  # type: ignore[no-untyped-def]
    d = {
        "title": "参保证明打印指南",
        "summary": "怎样打印",
        "body": "<p>正文</p>",
        "kind": "article",
        "item_codes": "",
    }
    d.update(kw)
    return d


def test_a_municipal_officer_creates_a_draft_with_sanitised_body_and_an_audit_event(officer) -> None:  # type: ignore[no-untyped-def]
    body = '<p onclick="steal()">说明<script>alert(1)</script><img src="http://cdn.example/x.png"><a href="javascript:x()">链接</a></p>'
    m = services.material_create(data=data(body=body), by=officer)
    assert m.status == Status.DRAFT and m.published_at is None
    assert (
        "script" not in m.body
        and "<img" not in m.body
        and "onclick" not in m.body
        and "javascript" not in m.body
    )
    assert AuditEvent.objects.filter(action="portal.material.create", object_id=str(m.pk)).exists()
    assert m not in selectors.published_materials()


@pytest.mark.parametrize("role", [r for r in Role if r not in (Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER)])
def test_no_other_role_may_write_materials(reference, role) -> None:  # type: ignore[no-untyped-def]
    level = LEVEL[role]
    if level == Level.ALL:
        user = user_with_role(role, agency=municipal())
    elif level == Level.DISTRICT:
        user = user_with_role(role, agency=district("110105"))
    elif level == Level.BANK:
        user = user_with_role(role, bank=BankFactory())
    else:
        user = user_with_role(role, outlet=OutletFactory())
    with pytest.raises(PermissionDenied):
        services.material_create(data=data(), by=user)
    assert not selectors.materials_for(user).exists() or level == Level.ALL


def test_only_municipal_roles_see_drafts_in_their_scope(officer) -> None:  # type: ignore[no-untyped-def]
    draft = MaterialFactory(status=Status.DRAFT, published_at=None)
    assert list(selectors.materials_for(officer)) == [draft]
    district_admin = user_with_role(Role.DISTRICT_ADMIN, agency=district("110105"))
    assert not selectors.materials_for(district_admin).exists()


def test_a_fake_pdf_is_refused_by_its_content(officer, media) -> None:  # type: ignore[no-untyped-def]
    fakes = [
        upload("pdf", body=b"MZ\x90\x00 this is a program renamed to .pdf" * 10),
        upload("pdf", body=b"%PDF-1.4 truncated, no end of file marker" * 10),
        upload("png", name="leaflet.pdf"),
    ]
    for fake in fakes:
        with pytest.raises(ValidationError) as exc:
            services.material_create(data=data(kind="leaflet", file=fake), by=officer)
        assert "file" in exc.value.message_dict
    assert not PolicyMaterial.objects.exists()


def test_a_video_must_be_mp4_or_webm_and_a_leaflet_a_pdf(officer, media) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        services.material_create(data=data(kind="video", file=upload("pdf")), by=officer)
    with pytest.raises(ValidationError):
        services.material_create(data=data(kind="leaflet", file=upload("mp4")), by=officer)
    mp4 = services.material_create(data=data(kind="video", file=upload("mp4")), by=officer)
    webm = services.material_create(data=data(title="另一个", kind="video", file=upload("webm")), by=officer)
    assert (mp4.file_type, webm.file_type) == ("mp4", "webm")


def test_item_codes_must_be_in_the_catalogue_in_force(officer) -> None:  # type: ignore[no-untyped-def]
    code = selectors.guide_items()[0].code
    with pytest.raises(ValidationError) as exc:
        services.material_create(data=data(item_codes=f"{code}, NO-SUCH-9"), by=officer)
    assert "item_codes" in exc.value.message_dict
    m = services.material_create(data=data(item_codes=f"{code}，{code}"), by=officer)
    assert m.item_codes == [code]


def test_publishing_needs_content_then_shows_it_and_announces_it_once(officer, media) -> None:  # type: ignore[no-untyped-def]
    leaflet = services.material_create(data=data(kind="leaflet", body=""), by=officer)
    with pytest.raises(ValidationError) as exc:
        services.material_publish(material=leaflet, by=officer)
    assert "file" in exc.value.message_dict
    services.material_update(material=leaflet, data={"file": upload("pdf")}, by=officer)
    leaflet = services.material_publish(material=leaflet, by=officer)
    assert leaflet.status == Status.PUBLISHED and leaflet.published_at is not None
    assert leaflet in selectors.published_materials()
    assert PublicNotice.objects.filter(kind="policy", object_id=str(leaflet.pk)).count() == 1
    services.material_withdraw(material=leaflet, by=officer, reason="政策调整")
    assert leaflet not in selectors.published_materials()
    services.material_publish(material=leaflet, by=officer)
    assert PublicNotice.objects.filter(kind="policy", object_id=str(leaflet.pk)).count() == 1


def test_wrong_transitions_and_a_withdrawal_without_reason_are_refused(officer) -> None:  # type: ignore[no-untyped-def]
    m = services.material_create(data=data(), by=officer)
    with pytest.raises(ValidationError) as exc:
        services.material_withdraw(material=m, by=officer, reason="无")
    assert "不能变更为" in str(exc.value)
    services.material_publish(material=m, by=officer)
    with pytest.raises(ValidationError):
        services.material_publish(material=m, by=officer)
    with pytest.raises(ValidationError) as exc:
        services.material_withdraw(material=m, by=officer, reason="  ")
    assert "reason" in exc.value.message_dict


@pytest.fixture
def video(officer, media):  # type: ignore[no-untyped-def]
    m = services.material_create(data=data(kind="video", file=upload("mp4")), by=officer)
    return services.material_publish(material=m, by=officer)


def test_a_published_video_is_served_whole_with_accept_ranges(client, video) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(reverse("portal:material_file", args=[video.pk]))
    assert resp.status_code == 200
    assert b"".join(resp.streaming_content) == MP4_BYTES
    assert resp["Accept-Ranges"] == "bytes" and resp["Content-Type"] == "video/mp4"
    assert resp["Content-Length"] == str(len(MP4_BYTES))


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=0-9", 0, 9), ("bytes=100-", 100, len(MP4_BYTES) - 1), ("bytes=-16", len(MP4_BYTES) - 16,
     len(MP4_BYTES) - 1), ("bytes=2000-999999", 2000, len(MP4_BYTES) - 1)],
)  # fmt: skip
def test_a_range_request_gets_206_with_exactly_those_bytes(client, video, header, first, last) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(reverse("portal:material_file", args=[video.pk]), HTTP_RANGE=header)
    assert resp.status_code == 206
    assert b"".join(resp.streaming_content) == MP4_BYTES[first : last + 1]
    assert resp["Content-Range"] == f"bytes {first}-{last}/{len(MP4_BYTES)}"
    assert resp["Content-Length"] == str(last - first + 1)


def test_an_unsatisfiable_range_gets_416_and_a_stale_if_range_gets_everything(client, video) -> None:  # type: ignore[no-untyped-def]
    url = reverse("portal:material_file", args=[video.pk])
    resp = client.get(url, HTTP_RANGE=f"bytes={len(MP4_BYTES)}-")
    assert resp.status_code == 416 and resp["Content-Range"] == f"bytes */{len(MP4_BYTES)}"
    resp = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"an-old-version"')
    assert resp.status_code == 200
    etag = resp["ETag"]
    resp = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag)
    assert resp.status_code == 206


def test_parse_range_ignores_what_it_does_not_understand() -> None:
    assert files.parse_range("", 100) is None
    assert files.parse_range("bytes=0-1,5-6", 100) is None
    assert files.parse_range("items=0-1", 100) is None
    assert files.parse_range("bytes=9-3", 100) is None
    assert files.parse_range("bytes=-0", 100) is False
    assert files.parse_range("bytes=0-0", 100) == (0, 0)


def test_a_draft_file_is_hidden_from_the_public_but_not_from_its_editors(client, officer, media) -> None:  # type: ignore[no-untyped-def]
    m = services.material_create(data=data(kind="leaflet", file=upload("pdf")), by=officer)
    url = reverse("portal:material_file", args=[m.pk])
    assert client.get(url).status_code == 404
    client.force_login(officer)
    resp = client.get(url)
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == PDF_BYTES


def test_the_staff_pages_create_publish_and_withdraw(client, officer, media) -> None:  # type: ignore[no-untyped-def]
    client.force_login(officer)
    resp = client.post(
        reverse("portal:material_create"),
        {
            "title": "折页",
            "kind": "leaflet",
            "summary": "摘要",
            "body": "",
            "item_codes": "",
            "file": upload("pdf"),
        },
    )
    m = PolicyMaterial.objects.get(title="折页")
    assert resp.status_code == 302 and resp["Location"] == reverse("portal:material_detail", args=[m.pk])
    client.post(reverse("portal:material_publish", args=[m.pk]))
    m.refresh_from_db()
    assert m.status == Status.PUBLISHED
    client.post(reverse("portal:material_withdraw", args=[m.pk]), {"reason": "过期"})
    m.refresh_from_db()
    assert m.status == Status.WITHDRAWN
    assert "折页" in client.get(reverse("portal:material_list")).content.decode()


def test_the_staff_form_shows_a_refused_file_on_its_field(client, officer, media) -> None:  # type: ignore[no-untyped-def]
    client.force_login(officer)
    resp = client.post(
        reverse("portal:material_create"),
        {"title": "假折页", "kind": "leaflet", "file": upload("pdf", body=b"not a pdf at all" * 20)},
    )
    assert resp.status_code == 200
    assert resp.context["form"].errors["file"]
    assert not PolicyMaterial.objects.exists()


def test_other_roles_cannot_open_the_staff_pages(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.DISTRICT_ADMIN, agency=district("110105")))
    assert client.get(reverse("portal:material_list")).status_code == 403
    assert client.get(reverse("portal:material_create")).status_code == 403


def test_pdf_bytes_of_the_demo_leaflet_pass_the_check() -> None:
    from sheyin.portal.demo import leaflet_pdf

    pdf = leaflet_pdf("测试折页", [("标题", ["一行"])])
    assert files.sniff(pdf[:64], pdf[-1024:]) == "pdf"
    assert files.sniff(PDF_BYTES[:64], PDF_BYTES[-1024:]) == "pdf"
    assert files.sniff(MP4_BYTES[:64]) == "mp4"
