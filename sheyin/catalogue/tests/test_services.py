"""Catalogue services (R5.1, R5.2): drafts copy the last published version, only drafts change,
maker–checker publication with a public notice, and the default catalogue as version 1."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from sheyin.accounts.models import RoleAssignment
from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.catalogue import reference as defaults
from sheyin.catalogue import selectors, services
from sheyin.catalogue.models import CatalogueReview, CatalogueVersion, ServiceItem
from sheyin.catalogue.workflow import MakerCheckerError, Status
from sheyin.institutions.tests.factories import OutletFactory, municipal
from sheyin.notices.models import PublicNotice
from sheyin.notifications.models import Notification

from .factories import admin, item_data, officer, shanghai, version

pytestmark = pytest.mark.django_db


def in_review(maker):  # type: ignore[no-untyped-def]
    draft = services.version_create_draft(by=maker, summary="新增一项查询")
    services.item_create(version=draft, data=item_data(), by=maker)
    return services.version_submit(version=draft, by=maker)


def test_a_new_draft_copies_every_item_of_the_latest_published_version(reference) -> None:  # type: ignore[no-untyped-def]
    v1 = CatalogueVersion.objects.get(number=1)
    draft = services.version_create_draft(by=officer(), summary="年度调整")
    assert (draft.number, draft.status, draft.based_on) == (2, Status.DRAFT, v1)
    fields = ["code", "name", "channels", "materials", "guide", "risk", "needs_card_machine"]
    assert list(draft.items.order_by("code").values(*fields)) == list(
        v1.items.order_by("code").values(*fields)
    )
    assert AuditEvent.objects.filter(action="catalogue.version.create", object_id=str(draft.pk)).exists()


def test_only_one_version_may_be_open_at_a_time(reference) -> None:  # type: ignore[no-untyped-def]
    maker = officer()
    services.version_create_draft(by=maker)
    with pytest.raises(ValidationError, match="尚未发布"):
        services.version_create_draft(by=maker)
    # and the database says so too (catalogue_one_open_version)
    with pytest.raises(IntegrityError):
        CatalogueVersion.objects.create(number=99, status=Status.IN_REVIEW)


def test_the_officer_adds_edits_and_deletes_items_of_a_draft_with_an_audit_trail(reference) -> None:  # type: ignore[no-untyped-def]
    maker = officer()
    draft = services.version_create_draft(by=maker)
    item = services.item_create(
        version=draft,
        data=item_data(code="sy-q-101 ", channels=["W", "T"], guide="<p onclick='x()'>指南</p>"),
        by=maker,
    )
    assert (item.code, item.channels, item.guide) == ("SY-Q-101", "TW", "<p>指南</p>")
    item = services.item_update(item=item, data={"name": "改名后的事项", "time_limit_days": 3}, by=maker)
    assert (item.name, item.time_limit_days, item.channels) == ("改名后的事项", 3, "TW")
    services.item_delete(item=item, by=maker)
    assert not draft.items.filter(code="SY-Q-101").exists()
    actions = set(
        AuditEvent.objects.filter(action__startswith="catalogue.item", actor=maker).values_list(
            "action", flat=True
        )
    )
    assert actions == {"catalogue.item.create", "catalogue.item.update", "catalogue.item.delete"}
    assert maker in draft.editors.all()


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"code": "Q-1"}, "code", "格式不正确"),
        ({"name": " "}, "name", "请填写事项名称"),
        ({"channels": []}, "channels", "至少选择一个办理渠道"),
        ({"needs_card_machine": True, "channels": ["T", "O"]}, "channels", "必须包含人工窗口"),
        ({"time_limit_days": 400}, "time_limit_days", "0至365"),
        ({"risk": "extreme"}, "risk", "风险等级无效"),
        ({"code": "SY-C-002"}, "code", "已有编码"),
        ({"name": "社保卡注销"}, "name", "已有名称"),
    ],
)
def test_item_errors_are_keyed_by_field_in_chinese(reference, overrides, field, words) -> None:  # type: ignore[no-untyped-def]
    maker = officer()
    draft = services.version_create_draft(by=maker)
    with pytest.raises(ValidationError) as err:
        services.item_create(version=draft, data=item_data(**overrides), by=maker)
    assert words in " ".join(err.value.message_dict[field])


def test_outlet_staff_and_district_users_cannot_make_drafts(reference) -> None:  # type: ignore[no-untyped-def]
    staff = user_with_role(Role.OUTLET_STAFF, outlet=OutletFactory())
    for user in (staff, user_with_role(Role.DISTRICT_ADMIN, agency=municipal()), admin()):
        with pytest.raises(NotAllowed):
            services.version_create_draft(by=user)


def test_submission_freezes_the_draft_for_editing_and_asks_the_admins_to_review(reference) -> None:  # type: ignore[no-untyped-def]
    maker, checker = officer(), admin()
    v = in_review(maker)
    assert (v.status, v.submitted_by) == (Status.IN_REVIEW, maker)
    assert Notification.objects.filter(
        user=checker, kind="task", title__contains=f"第{v.number}版待审核"
    ).exists()
    with pytest.raises(ValidationError, match="只有草稿状态"):
        services.item_create(version=v, data=item_data(code="SY-Q-102", name="另一事项"), by=maker)


def test_the_submitter_cannot_publish_even_when_holding_the_admin_role(reference) -> None:  # type: ignore[no-untyped-def]
    maker = officer()
    RoleAssignment.objects.create(user=maker, role=Role.MUNICIPAL_ADMIN, agency=municipal())
    maker = type(maker).objects.get(pk=maker.pk)
    v = in_review(maker)
    with pytest.raises(MakerCheckerError) as err:
        services.version_publish(version=v, by=maker)
    assert "制单人不能审核本人编制或提交的版本" in err.value.messages[0]
    assert CatalogueVersion.objects.get(pk=v.pk).status == Status.IN_REVIEW


def test_a_return_needs_a_reason_and_the_reason_is_kept(reference) -> None:  # type: ignore[no-untyped-def]
    maker, checker = officer(), admin()
    v = in_review(maker)
    with pytest.raises(ValidationError, match="退回原因"):
        services.version_return(version=v, reason=" ", by=checker)
    v = services.version_return(version=v, reason="设定依据不完整", by=checker)
    assert v.status == Status.DRAFT
    review = CatalogueReview.objects.get(version=v)
    assert (review.decision, review.reason, review.by) == ("returned", "设定依据不完整", checker)
    assert Notification.objects.filter(user=maker, title__contains="被退回").exists()
    # the returned draft can be fixed and submitted again
    services.item_update(
        item=v.items.get(code="SY-Q-101"), data={"legal_basis": "《社会保险法》第七十四条"}, by=maker
    )
    assert services.version_submit(version=v, by=maker).status == Status.IN_REVIEW


def test_publication_by_another_admin_freezes_the_version_and_publishes_the_notice(reference) -> None:  # type: ignore[no-untyped-def]
    maker, checker = officer(), admin()
    v = in_review(maker)
    moment = timezone.now() + dt.timedelta(days=3)
    v = services.version_publish(version=v, by=checker, effective_from=moment, note="同意")
    assert (v.status, v.reviewed_by, v.effective_from) == (Status.PUBLISHED, checker, moment)
    notice = PublicNotice.objects.get(kind=PublicNotice.Kind.CATALOGUE, object_id=str(v.pk))
    assert notice.object_type == "catalogue.catalogueversion"
    assert f"服务事项清单第{v.number}版公示" == notice.title
    assert "新增：SY-Q-101 测试查询事项" in notice.body and "新增1项、取消0项、调整0项" in notice.body
    assert selectors.catalogue_notices()[v.pk] == notice
    assert CatalogueReview.objects.filter(version=v, decision="approved", by=checker).exists()
    assert Notification.objects.filter(user=maker, title__contains="已发布").exists()
    # scheduled: version 1 stays in force until the effective moment
    assert selectors.version_in_force().number == 1
    assert selectors.version_in_force(moment).pk == v.pk


def test_publication_refuses_an_effective_moment_in_the_past(reference) -> None:  # type: ignore[no-untyped-def]
    v = in_review(officer())
    with pytest.raises(ValidationError) as err:
        services.version_publish(version=v, by=admin(), effective_from=timezone.now() - dt.timedelta(hours=1))
    assert "不能早于当前时间" in err.value.message_dict["effective_from"][0]
    assert not PublicNotice.objects.filter(object_id=str(v.pk)).exists()


def test_publication_refuses_a_moment_not_after_the_last_published_one(reference) -> None:  # type: ignore[no-untyped-def]
    maker, checker = officer(), admin()
    later = timezone.now() + dt.timedelta(days=30)
    services.version_publish(version=in_review(maker), by=checker, effective_from=later)
    third = services.version_create_draft(by=maker)
    services.item_update(item=third.items.get(code="SY-Q-101"), data={"time_limit_days": 1}, by=maker)
    third = services.version_submit(version=third, by=maker)
    with pytest.raises(ValidationError) as err:
        services.version_publish(version=third, by=checker, effective_from=later - dt.timedelta(days=1))
    assert "必须晚于第2版的生效时间" in err.value.message_dict["effective_from"][0]


def test_a_draft_whose_base_is_no_longer_the_latest_cannot_be_published(reference) -> None:  # type: ignore[no-untyped-def]
    v1 = CatalogueVersion.objects.get(number=1)
    from .factories import published, row

    published(2, shanghai(2026, 2, 1), items=[row()], based_on=v1)
    stale = version(3, Status.IN_REVIEW, items=[row()], based_on=v1)
    with pytest.raises(ValidationError, match="此后已发布第2版"):
        services.version_publish(
            version=stale, by=admin(), effective_from=timezone.now() + dt.timedelta(days=1)
        )


def test_a_draft_can_be_discarded_with_a_reason_which_frees_the_slot(reference) -> None:  # type: ignore[no-untyped-def]
    maker = officer()
    draft = services.version_create_draft(by=maker)
    with pytest.raises(ValidationError, match="原因"):
        services.version_discard(version=draft, reason="", by=maker)
    assert services.version_discard(version=draft, reason="重复创建", by=maker).status == Status.DISCARDED
    assert services.version_create_draft(by=maker).number == draft.number + 1


def test_the_default_catalogue_is_version_1_in_force_from_new_year_beijing_time(reference) -> None:  # type: ignore[no-untyped-def]
    v1 = CatalogueVersion.objects.get(number=1)
    assert (v1.status, v1.effective_from) == (Status.PUBLISHED, shanghai(2026, 1, 1))
    assert {r["code"] for r in defaults.rows()} == set(v1.items.values_list("code", flat=True))
    machine = v1.items.get(needs_card_machine=True)
    assert (machine.name, machine.channels) == ("社保卡即时制卡/补换卡", "W")
    high = set(v1.items.filter(risk="high").values_list("name", flat=True))
    assert {
        "社保卡注销",
        "社保卡解挂",
        "社保卡信息变更",
        "基本养老保险关系转移接续申请",
        "失业保险金申领",
    } == high
    assert set(v1.items.filter(category="query").values_list("risk", flat=True)) == {"low"}
    assert PublicNotice.objects.filter(kind=PublicNotice.Kind.CATALOGUE, object_id=str(v1.pk)).count() == 1
    # loading again changes nothing
    defaults.load(io.StringIO())
    assert CatalogueVersion.objects.count() == 1 and ServiceItem.objects.count() == v1.items.count()


def test_the_public_notice_is_written_in_chinese_whatever_the_checkers_language(reference) -> None:  # type: ignore[no-untyped-def]
    from django.utils import translation

    v = in_review(officer())
    with translation.override("en"):
        services.version_publish(version=v, by=admin())
    notice = PublicNotice.objects.get(object_id=str(v.pk))
    assert (
        notice.title == f"服务事项清单第{v.number}版公示"
        and "全市各合作网点按本清单无差别受理。" in notice.body
    )


def test_the_public_notice_says_what_changed_in_each_item(reference) -> None:  # type: ignore[no-untyped-def]
    """Not only the item code: the reader learns where, how long, and with which papers from now on."""
    maker, checker = officer(), admin()
    draft = services.version_create_draft(by=maker, summary="年度调整")
    pension = draft.items.get(code="SY-Q-004")
    services.item_update(item=pension, by=maker, data={
        "channels": ["T", "O", "W"], "time_limit_days": 3, "materials": f"{pension.materials}\n授权委托书",
        "guide": "<p>新的办事指南</p>"})  # fmt: skip
    services.item_delete(item=draft.items.get(code="SY-C-005"), by=maker)
    services.item_create(version=draft, data=item_data(code="SY-Q-101", channels=["T", "O"]), by=maker)
    v = services.version_publish(version=services.version_submit(version=draft, by=maker), by=checker)
    body = PublicNotice.objects.get(object_id=str(v.pk)).body
    line = next(x for x in body.splitlines() if x.startswith("调整：SY-Q-004"))
    assert "办理渠道由“自助终端、网厅自助”改为“自助终端、网厅自助、人工窗口”" in line
    assert "承诺时限由“即时办结”改为“3个工作日”" in line
    assert "申请材料新增“授权委托书”" in line and "办事指南已更新" in line and "<p>" not in body
    assert "取消：SY-C-005 社保卡解挂，自本版施行起不再在合作网点办理" in body
    assert "新增：SY-Q-101 测试查询事项（自助终端、网厅自助，即时办结）" in body
