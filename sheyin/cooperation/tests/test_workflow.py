"""The transition tables themselves (pure Python)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sheyin.accounts.permissions import NotAllowed
from sheyin.cooperation import workflow as wf


def test_every_table_names_real_statuses_and_unique_actions() -> None:
    for lc in wf.LIFECYCLES:
        values = set(lc.statuses.values)
        actions = [t.action for t in lc.transitions]
        assert len(actions) == len(set(actions)), lc.name
        for tr in lc.transitions:
            assert tr.source <= values and tr.target in values, f"{lc.name}.{tr.action}"
            assert tr.roles, f"{lc.name}.{tr.action} has no role"


def test_a_wrong_status_raises_a_typed_error_in_chinese() -> None:
    with pytest.raises(wf.TransitionError, match="当前状态为“已批准”，不能执行“批准”"):
        wf.BANK_APPLICATION.check(
            "approved", "approve", {"municipal_admin"}, {}, SimpleNamespace(reviewed_by_id=1)
        )


def test_a_role_outside_the_table_is_refused() -> None:
    with pytest.raises(NotAllowed, match="您的角色不能执行“批准”"):
        wf.BANK_APPLICATION.check(
            "reviewed", "approve", {"municipal_officer"}, {}, SimpleNamespace(reviewed_by_id=1)
        )


def test_maker_checker_guards_raise_their_own_type() -> None:
    with pytest.raises(wf.MakerCheckerError):
        wf.FILING.check(
            "submitted", "approve", {"municipal_officer"}, {"by_id": 7}, SimpleNamespace(submitted_by_id=7)
        )
    tr = wf.FILING.check(
        "submitted", "approve", {"municipal_officer"}, {"by_id": 8}, SimpleNamespace(submitted_by_id=7)
    )
    assert tr.target == "approved"


def test_the_outlet_opens_only_after_filing_and_ends_only_through_the_platform() -> None:
    with pytest.raises(wf.TransitionError, match="尚未完成市级备案"):
        wf.OUTLET.check("accepted", "open", {"district_officer"}, {"filing_approved": False})
    assert (
        wf.OUTLET.check("accepted", "open", {"district_officer"}, {"filing_approved": True}).target
        == "operating"
    )
    with pytest.raises(NotAllowed):
        wf.OUTLET.check("operating", "terminate", {"district_admin"}, {})


def test_allowed_lists_the_buttons_for_a_role() -> None:
    assert {t.action for t in wf.OUTLET_APPLICATION.allowed("inspected", {"district_admin"})} == {
        "accept",
        "rectify",
        "reject",
    }
    assert wf.OUTLET_APPLICATION.allowed("inspected", {"bank_admin"}) == []
