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
            SimpleNamespace(reviewed_by_id=1), "approve", roles={"municipal_admin"}, ctx={}, status="approved"
        )


def test_a_role_outside_the_table_is_refused() -> None:
    with pytest.raises(NotAllowed, match="您的角色不能执行“批准”"):
        wf.BANK_APPLICATION.check(
            SimpleNamespace(reviewed_by_id=1),
            "approve",
            roles={"municipal_officer"},
            ctx={},
            status="reviewed",
        )


def test_maker_checker_guards_raise_their_own_type() -> None:
    with pytest.raises(wf.MakerCheckerError):
        wf.FILING.check(
            SimpleNamespace(submitted_by_id=7),
            "approve",
            roles={"municipal_officer"},
            ctx={"by_id": 7},
            status="submitted",
        )
    tr = wf.FILING.check(
        SimpleNamespace(submitted_by_id=7),
        "approve",
        roles={"municipal_officer"},
        ctx={"by_id": 8},
        status="submitted",
    )
    assert tr.target == "approved"


def test_the_outlet_opens_only_after_filing_and_ends_only_through_the_platform() -> None:
    with pytest.raises(wf.TransitionError, match="尚未完成市级备案"):
        wf.OUTLET.check(
            None, "open", roles={"district_officer"}, ctx={"filing_approved": False}, status="accepted"
        )
    assert (
        wf.OUTLET.check(
            None, "open", roles={"district_officer"}, ctx={"filing_approved": True}, status="accepted"
        ).target
        == "operating"
    )
    with pytest.raises(NotAllowed):
        wf.OUTLET.check(None, "terminate", roles={"district_admin"}, ctx={}, status="operating")


def test_allowed_lists_the_buttons_for_a_role() -> None:
    assert {t.action for t in wf.OUTLET_APPLICATION.allowed_by_role("inspected", {"district_admin"})} == {
        "accept",
        "rectify",
        "reject",
    }
    assert wf.OUTLET_APPLICATION.allowed_by_role("inspected", {"bank_admin"}) == []
