"""The version lifecycle table (R5.2; design rule 3 and 4: explicit transitions, maker–checker)."""

from __future__ import annotations

import pytest

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.catalogue import workflow
from sheyin.catalogue.models import CatalogueVersion
from sheyin.catalogue.workflow import MakerCheckerError, Phase, Status, TransitionError
from sheyin.institutions.tests.factories import municipal

from .factories import admin, officer, published, row, shanghai, version

pytestmark = pytest.mark.django_db


def test_the_table_has_exactly_one_row_per_action_and_source() -> None:
    keys = [(t.action, t.source) for t in workflow.TRANSITIONS]
    assert len(keys) == len(set(keys))
    assert {t.action for t in workflow.TRANSITIONS} == set(workflow.ACTION_LABELS)


def test_publication_is_only_reachable_from_review() -> None:
    sources = set().union(*(t.sources for t in workflow.TRANSITIONS if t.target == Status.PUBLISHED))
    assert sources == {Status.IN_REVIEW}
    assert not any(Status.PUBLISHED in t.sources for t in workflow.TRANSITIONS)  # nothing leaves "published"


def test_an_officer_may_submit_a_draft_that_has_items(reference) -> None:  # type: ignore[no-untyped-def]
    v = version(2, items=[row()])
    assert workflow.check("submit", v, officer()).target == Status.IN_REVIEW


def test_an_empty_draft_cannot_be_submitted(reference) -> None:  # type: ignore[no-untyped-def]
    v = version(2)
    with pytest.raises(TransitionError, match="没有任何服务事项"):
        workflow.check("submit", v, officer())


def test_publishing_a_draft_directly_is_refused_with_the_status_in_the_message(reference) -> None:  # type: ignore[no-untyped-def]
    v = version(2, items=[row()])
    with pytest.raises(TransitionError, match="草稿"):
        workflow.check("publish", v, admin())


def test_only_a_municipal_admin_may_publish(reference) -> None:  # type: ignore[no-untyped-def]
    v = version(2, Status.IN_REVIEW, items=[row()])
    with pytest.raises(TransitionError, match="市级管理员"):
        workflow.check("publish", v, officer())
    district = user_with_role(Role.DISTRICT_ADMIN, agency=municipal())
    with pytest.raises(TransitionError):
        workflow.check("publish", v, district)


def test_the_maker_cannot_check_a_version_they_created_submitted_or_edited(reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.accounts.models import RoleAssignment

    both = officer()  # one person holding both municipal roles
    RoleAssignment.objects.create(user=both, role=Role.MUNICIPAL_ADMIN, agency=municipal())
    both = type(both).objects.get(pk=both.pk)
    for number, field in enumerate(("created_by", "submitted_by"), start=2):
        v = version(number, Status.IN_REVIEW, items=[row()], **{field: both})
        with pytest.raises(MakerCheckerError, match="制单人不能审核"):
            workflow.check("publish", v, both)
        CatalogueVersion.objects.filter(pk=v.pk).update(status=Status.DISCARDED)
    edited = version(5, Status.IN_REVIEW, items=[row()])
    edited.editors.add(both)
    with pytest.raises(MakerCheckerError):
        workflow.check("return", edited, both)
    assert workflow.check("publish", edited, admin()).target == Status.PUBLISHED


def test_only_the_submitter_may_withdraw(reference) -> None:  # type: ignore[no-untyped-def]
    maker = officer()
    v = version(2, Status.IN_REVIEW, items=[row()], submitted_by=maker)
    assert workflow.check("withdraw", v, maker).target == Status.DRAFT
    with pytest.raises(TransitionError, match="提交人"):
        workflow.check("withdraw", v, officer())


def test_the_system_itself_is_bound_by_the_table_but_not_by_roles(reference) -> None:  # type: ignore[no-untyped-def]
    v = version(2, Status.IN_REVIEW, items=[row()])
    assert workflow.check("publish", v, None).target == Status.PUBLISHED
    with pytest.raises(TransitionError):
        workflow.check("submit", v, None)


def test_allowed_actions_are_what_the_user_may_do_now(reference) -> None:  # type: ignore[no-untyped-def]
    maker = officer()
    draft = version(2, items=[row()], created_by=maker)
    assert workflow.allowed_actions(draft, maker) == ["submit", "discard"]
    assert workflow.allowed_actions(draft, admin()) == []


def test_the_phase_of_a_published_version_is_derived_from_the_effective_dates(reference) -> None:  # type: ignore[no-untyped-def]
    old = CatalogueVersion.objects.get(number=1)  # the reference catalogue, in force from 2026-01-01
    new = published(2, shanghai(2026, 12, 1))
    before, after = shanghai(2026, 11, 30, 12), shanghai(2026, 12, 2)
    assert workflow.phase_of(old, old.pk, before) == Phase.IN_FORCE
    assert workflow.phase_of(new, old.pk, before) == Phase.SCHEDULED
    assert workflow.phase_of(old, new.pk, after) == Phase.SUPERSEDED
    assert workflow.phase_of(new, new.pk, after) == Phase.IN_FORCE
    assert workflow.phase_of(version(3), new.pk, after) == Phase.DRAFT
