"""Catalogue pages: who may open and do what (deny by default), the editor → review → publish flow through
the pages, and the public pages that need no login (R5.2, R10.3)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone
from openpyxl import load_workbook

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.catalogue import services, urls
from sheyin.catalogue.models import CatalogueVersion
from sheyin.catalogue.workflow import Status
from sheyin.common.access import rule_of
from sheyin.institutions.tests.factories import municipal
from sheyin.notices.models import PublicNotice

from .factories import admin, item_data, officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(reference):  # type: ignore[no-untyped-def]
    """Outlet staff with a permission grant (R2.0: without one they reach no business page)."""
    from sheyin.staffing.tests.factories import active_grant, certified, staff_with_account

    member = certified(staff_with_account())
    active_grant(member)
    return member.user


def form(**overrides):  # type: ignore[no-untyped-def]
    data = item_data(**overrides)
    data["needs_card_machine"] = "on" if data["needs_card_machine"] else ""
    return data


def test_every_catalogue_url_declares_an_access_rule() -> None:
    for p in urls.urlpatterns:
        assert isinstance(p, URLPattern)
        assert rule_of(p.callback) is not None, p.name
    public = {p.name for p in urls.urlpatterns if rule_of(p.callback)[0] == "public"}  # type: ignore[index]
    assert public == {"public", "public_history", "public_version", "public_item"}


def test_the_public_pages_open_without_login(client, reference) -> None:  # type: ignore[no-untyped-def]
    page = client.get(reverse("catalogue:public")).content.decode()
    assert "服务事项清单第1版" in page and "社保卡即时制卡/补换卡" in page and "查询打印" in page
    assert "风险" not in page  # the risk grading is an internal control, not published
    history = client.get(reverse("catalogue:public_history")).content.decode()
    notice = PublicNotice.objects.get(kind=PublicNotice.Kind.CATALOGUE)
    assert f'id="notice-{notice.pk}"' in history and "服务事项清单第1版公示" in history
    item = client.get(reverse("catalogue:public_item", args=["SY-C-002"])).content.decode()
    assert "第三代社保卡制卡机" in item and "<h4>办理方式</h4>" in item
    assert client.get(reverse("catalogue:public_version", args=[1])).status_code == 200
    assert client.get(reverse("catalogue:public_item", args=["SY-X-999"])).status_code == 404
    assert client.get(reverse("catalogue:public_version", args=[7])).status_code == 404
    filtered = client.get(reverse("catalogue:public"), {"channel": "W", "q": "社保卡"}).content.decode()
    assert "社保卡解挂" in filtered and "养老金发放明细" not in filtered


def test_drafts_never_appear_on_public_pages(client, reference) -> None:  # type: ignore[no-untyped-def]
    maker = officer()
    draft = services.version_create_draft(by=maker)
    services.item_create(version=draft, data=item_data(name="草稿里的新事项"), by=maker)
    assert "草稿里的新事项" not in client.get(reverse("catalogue:public")).content.decode()
    assert client.get(reverse("catalogue:public_version", args=[draft.number])).status_code == 404
    assert (
        client.get(reverse("catalogue:public_item", args=["SY-Q-101"]), {"v": draft.number}).status_code
        == 404
    )


def test_outlet_staff_read_the_catalogue_but_cannot_edit_it_or_see_drafts(client, staff) -> None:  # type: ignore[no-untyped-def]
    draft = services.version_create_draft(by=officer())
    item = draft.items.first()
    client.force_login(staff)
    assert client.get(reverse("catalogue:current")).status_code == 200
    listing = client.get(reverse("catalogue:version_list")).content.decode()
    assert "第1版" in listing and f"第{draft.number}版" not in listing and "新建草稿版本" not in listing
    assert client.get(reverse("catalogue:diff")).status_code == 200
    assert client.get(reverse("catalogue:version_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("catalogue:item_detail", args=[item.pk])).status_code == 404
    for name, args in [("item_edit", [item.pk]), ("item_create", [draft.pk]), ("version_import", [draft.pk]),
                       ("version_review", [draft.pk]), ("import_template", [])]:  # fmt: skip
        assert client.get(reverse(f"catalogue:{name}", args=args)).status_code == 403, name
    assert client.post(reverse("catalogue:version_create")).status_code == 403
    assert client.post(reverse("catalogue:item_delete", args=[item.pk])).status_code == 403
    assert client.post(reverse("catalogue:version_action", args=[draft.pk, "submit"])).status_code == 403
    assert CatalogueVersion.objects.get(pk=draft.pk).status == Status.DRAFT


def test_the_three_administrators_do_not_see_the_catalogue_pages(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.SYSTEM_ADMIN, agency=municipal()))
    assert client.get(reverse("catalogue:current")).status_code == 403
    assert client.get(reverse("catalogue:version_list")).status_code == 403


def test_the_anonymous_visitor_is_sent_to_login_from_staff_pages(client, reference) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(reverse("catalogue:version_list"))
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_the_officer_drafts_edits_and_submits_and_another_admin_publishes_through_the_pages(
    client, reference
) -> None:  # type: ignore[no-untyped-def]
    maker, checker = officer(), admin()
    client.force_login(maker)
    resp = client.post(reverse("catalogue:version_create"), {"summary": "新增一项、调整一项"})
    draft = CatalogueVersion.objects.get(status=Status.DRAFT)
    assert resp["Location"] == reverse("catalogue:version_detail", args=[draft.pk])
    # a field error is shown beside the field, in Chinese
    resp = client.post(
        reverse("catalogue:item_create", args=[draft.pk]), form(needs_card_machine=True, channels=["T"])
    )
    assert "必须包含人工窗口" in resp.content.decode()
    client.post(reverse("catalogue:item_create", args=[draft.pk]), form())
    item = draft.items.get(code="SY-Q-007")
    client.post(
        reverse("catalogue:item_edit", args=[item.pk]),
        {**form(), "code": "SY-Q-007", "name": "电子退休证查询打印"},
    )
    client.post(reverse("catalogue:item_delete", args=[draft.items.get(code="SY-Q-005").pk]))
    detail = client.get(reverse("catalogue:version_detail", args=[draft.pk])).content.decode()
    assert "新增1项" in detail and "取消1项" in detail and "调整1项" in detail
    client.post(reverse("catalogue:version_action", args=[draft.pk, "submit"]))
    assert CatalogueVersion.objects.get(pk=draft.pk).status == Status.IN_REVIEW
    # the maker cannot open the review page (no permission); the checker reviews and publishes
    assert client.get(reverse("catalogue:version_review", args=[draft.pk])).status_code == 403
    client.force_login(checker)
    review = client.get(reverse("catalogue:version_review", args=[draft.pk])).content.decode()
    assert "＋新增" in review and "－取消" in review and "～调整" in review and "电子退休证查询打印" in review
    moment = timezone.localtime() + dt.timedelta(days=2)
    resp = client.post(
        reverse("catalogue:version_review", args=[draft.pk]),
        {"action": "publish", "effective_from": moment.strftime("%Y-%m-%dT%H:%M"), "note": "同意"},
    )
    assert resp.status_code == 302
    published = CatalogueVersion.objects.get(pk=draft.pk)
    assert published.status == Status.PUBLISHED
    assert timezone.localtime(published.effective_from).strftime("%Y-%m-%d %H:%M") == moment.strftime(
        "%Y-%m-%d %H:%M"
    )
    public = client.get(reverse("catalogue:public")).content.decode()
    assert f"第{published.number}版已公示" in public  # announced ahead of its effective moment


def test_a_maker_holding_both_roles_sees_why_they_cannot_review(client, reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.accounts.models import RoleAssignment

    maker = officer()
    RoleAssignment.objects.create(user=maker, role=Role.MUNICIPAL_ADMIN, agency=municipal())
    draft = services.version_create_draft(by=maker)
    services.item_create(version=draft, data=item_data(), by=maker)
    services.version_submit(version=draft, by=maker)
    client.force_login(maker)
    page = client.get(reverse("catalogue:version_review", args=[draft.pk])).content.decode()
    assert "制单人不能审核本人编制或提交的版本" in page
    resp = client.post(
        reverse("catalogue:version_review", args=[draft.pk]), {"action": "publish", "effective_from": ""}
    )
    assert "制单人不能审核" in resp.content.decode()
    assert CatalogueVersion.objects.get(pk=draft.pk).status == Status.IN_REVIEW


def test_a_return_without_a_reason_is_a_field_error(client, reference) -> None:  # type: ignore[no-untyped-def]
    maker = officer()
    draft = services.version_create_draft(by=maker)
    services.version_submit(version=draft, by=maker)
    client.force_login(admin())
    resp = client.post(
        reverse("catalogue:version_review", args=[draft.pk]), {"action": "return", "reason": ""}
    )
    assert resp.status_code == 200 and "invalid-feedback" in resp.content.decode()
    assert CatalogueVersion.objects.get(pk=draft.pk).status == Status.IN_REVIEW


def test_published_versions_show_no_edit_controls_and_say_why(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(officer())
    page = client.get(reverse("catalogue:current")).content.decode()
    assert "已发布的版本不可修改" in page and "添加事项" not in page and "catalogue:item_edit" not in page


def test_the_item_table_filters_by_channel_and_category_with_htmx(client, staff) -> None:  # type: ignore[no-untyped-def]
    client.force_login(staff)
    v1 = CatalogueVersion.objects.get(number=1)
    rows = client.get(
        reverse("catalogue:version_detail", args=[v1.pk]),
        {"channel": "O", "category": "card"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "社保卡临时挂失" in rows and "社保卡解挂" not in rows and "<html" not in rows


def test_export_gives_the_version_as_a_workbook(client, staff) -> None:  # type: ignore[no-untyped-def]
    client.force_login(staff)
    v1 = CatalogueVersion.objects.get(number=1)
    resp = client.get(reverse("catalogue:version_export", args=[v1.pk]))
    ws = load_workbook(io.BytesIO(resp.content)).active
    assert ws["A1"].value == "事项编码*" and ws.max_row == v1.items.count() + 1


def test_the_guide_preview_strips_scripts_and_styles(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(officer())
    resp = client.post(
        reverse("catalogue:guide_preview"),
        {
            "guide": '<h4 style="color:red">步骤</h4><script>alert(1)</script><a href="javascript:x()">链接</a>'
        },
    )
    body = resp.content.decode()
    assert (
        "<h4>步骤</h4>" in body and "script" not in body and "javascript" not in body and "style" not in body
    )


def test_the_diff_page_compares_any_two_versions_and_marks_changes_with_words(client, reference) -> None:  # type: ignore[no-untyped-def]
    maker = officer()
    draft = services.version_create_draft(by=maker)
    services.item_update(
        item=draft.items.get(code="SY-C-001"), data={"materials": "居民身份证\n户口簿"}, by=maker
    )
    client.force_login(maker)
    v1 = CatalogueVersion.objects.get(number=1)
    page = client.get(reverse("catalogue:diff"), {"a": v1.pk, "b": draft.pk}).content.decode()
    assert "～调整" in page and "<ins>户口簿</ins>" in page and "调整 1 项" in page
    assert "近期免冠彩色照片" in page  # the removed material line is shown, struck through
