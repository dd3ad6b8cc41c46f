"""The diff between two versions is exact: items added, removed, and changed field by field."""

from __future__ import annotations

import pytest

from sheyin.catalogue import services
from sheyin.catalogue.diff import FIELDS, diff_rows, diff_versions, display, line_changes

from .factories import officer, row


def planted() -> tuple[list[dict], list[dict]]:  # type: ignore[type-arg]
    same = row(code="SY-Q-001", name="不变的事项")
    renamed_old = row(
        code="SY-Q-002", name="旧名称", channels="TO", materials="身份证\n户口簿", time_limit_days=0
    )
    renamed_new = row(
        code="SY-Q-002", name="新名称", channels="TOW", materials="户口簿\n身份证\n照片", time_limit_days=5
    )
    gone = row(code="SY-R-001", name="取消的事项")
    fresh = row(code="SY-B-009", name="新增的事项")
    whitespace_old = row(code="SY-C-001", name="只改了空白", legal_basis="依据一\r\n依据二  ")
    whitespace_new = row(code="SY-C-001", name="只改了空白", legal_basis="依据一\n依据二")
    return [same, renamed_old, gone, whitespace_old], [fresh, whitespace_new, renamed_new, same]


def test_added_removed_and_changed_items_are_exactly_the_planted_ones() -> None:
    old, new = planted()
    d = diff_rows(old, new)
    assert [r["code"] for r in d.added] == ["SY-B-009"]
    assert [r["code"] for r in d.removed] == ["SY-R-001"]
    assert [c.code for c in d.changed] == ["SY-Q-002"]
    assert d.changed[0].name == "新名称"
    assert d.changed[0].fields == {
        "name": ("旧名称", "新名称"),
        "channels": ("TO", "TOW"),
        "materials": ("身份证\n户口簿", "户口簿\n身份证\n照片"),
        "time_limit_days": (0, 5),
    }
    assert d.summary() == "新增1项、取消1项、调整1项"


def test_identical_versions_have_an_empty_diff_and_order_does_not_matter() -> None:
    old, _new = planted()
    assert diff_rows(old, list(reversed(old))).empty


def test_every_field_of_an_item_is_compared() -> None:
    base = row(code="SY-Q-001")
    changed = {
        "name": "别名", "category": "card", "audience": "both", "channels": "W", "materials": "另一材料",
        "legal_basis": "另一依据", "time_limit_days": 9, "risk": "high", "needs_card_machine": True, "guide": "<p>新</p>",
    }  # fmt: skip
    assert set(changed) == set(FIELDS)
    for field, value in changed.items():
        d = diff_rows([base], [{**base, field: value}])
        assert list(d.changed[0].fields) == [field]


def test_values_are_shown_as_words_not_codes() -> None:
    assert display("channels", "TW") == "自助终端、人工窗口"
    assert display("time_limit_days", 0) == "即时办结"
    assert display("time_limit_days", 5) == "5个工作日"
    assert display("needs_card_machine", True) == "是"
    assert display("guide", "<h4>流程</h4><p>a &amp; b</p>") == "流程 a & b"
    assert line_changes("身份证\n户口簿", "户口簿\n照片") == (["身份证"], ["照片"])


@pytest.mark.django_db
def test_diff_of_stored_versions_matches_the_edits_made_to_the_draft(reference) -> None:  # type: ignore[no-untyped-def]
    maker = officer()
    draft = services.version_create_draft(by=maker)
    services.item_update(item=draft.items.get(code="SY-C-005"), data={"risk": "medium"}, by=maker)
    services.item_delete(item=draft.items.get(code="SY-Q-007"), by=maker)
    d = diff_versions(draft.based_on, draft)
    assert d.added == []
    assert [r["code"] for r in d.removed] == ["SY-Q-007"]
    assert [(c.code, c.fields) for c in d.changed] == [("SY-C-005", {"risk": ("high", "medium")})]
