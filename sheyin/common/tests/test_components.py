"""A test whose component (Redis, the streaming replica, the local S3 server) is missing skips on a
developer's machine and fails in CI, where `.ci/run` sets SHEYIN_CI_REQUIRE_COMPONENTS=1."""

from __future__ import annotations

from pathlib import Path

import pytest
from _pytest.outcomes import Failed, Skipped

from sheyin.common.tests.components import REQUIRE_ENV, component_missing, components_required


def test_without_the_ci_switch_a_missing_component_skips_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    assert not components_required()
    with pytest.raises(Skipped, match="no Redis server"):
        component_missing("no Redis server at 127.0.0.1:6379")


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_with_the_ci_switch_a_missing_component_fails_the_test_and_says_why(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(REQUIRE_ENV, value)
    with pytest.raises(Failed) as failed:
        component_missing("no streaming replica")
    assert "no streaming replica" in str(failed.value) and REQUIRE_ENV in str(failed.value)


@pytest.mark.parametrize("value", ["", "0", "false"])
def test_the_switch_off_or_empty_keeps_the_skip(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(REQUIRE_ENV, value)
    with pytest.raises(Skipped):
        component_missing("no local S3 server")


def test_ci_sets_the_switch_for_both_runs() -> None:
    script = (Path(__file__).resolve().parents[3] / ".ci" / "run").read_text(encoding="utf-8")
    assert f"export {REQUIRE_ENV}=1" in script
    assert script.index(f"export {REQUIRE_ENV}=1") < script.index("make test")
