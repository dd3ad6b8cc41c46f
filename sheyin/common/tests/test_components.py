"""A test whose component (Redis, the streaming replica, the local S3 server) is missing skips on a
developer's machine and fails in CI, where `.ci/run` sets SHEYIN_CI_REQUIRE_COMPONENTS=1 (or, when it could not
start one at all, the list of the others)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _pytest.outcomes import Failed, Skipped

from sheyin.common.tests.components import REQUIRE_ENV, component_missing, components_required

CI_SCRIPT = Path(__file__).resolve().parents[3] / ".ci" / "run"


def test_without_the_ci_switch_a_missing_component_skips_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    assert not components_required()
    with pytest.raises(Skipped, match="no Redis server"):
        component_missing("redis", "no Redis server at 127.0.0.1:6379")


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_with_the_ci_switch_a_missing_component_fails_the_test_and_says_why(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(REQUIRE_ENV, value)
    with pytest.raises(Failed) as failed:
        component_missing("replica", "no streaming replica")
    assert "no streaming replica" in str(failed.value) and REQUIRE_ENV in str(failed.value)


@pytest.mark.parametrize("value", ["", "0", "false"])
def test_the_switch_off_or_empty_keeps_the_skip(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(REQUIRE_ENV, value)
    assert not components_required("s3")
    with pytest.raises(Skipped):
        component_missing("s3", "no local S3 server")


def test_a_list_of_components_requires_those_and_only_those(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_ENV, "redis, s3")
    assert components_required() and components_required("redis") and components_required("s3")
    with pytest.raises(Failed, match="no Redis server"):
        component_missing("redis", "no Redis server")
    with pytest.raises(Skipped, match="no streaming replica"):
        component_missing("replica", "no streaming replica")


def test_ci_sets_the_switch_for_both_runs() -> None:
    script = CI_SCRIPT.read_text(encoding="utf-8")
    assert f"export {REQUIRE_ENV}=1" in script
    assert script.index(f"export {REQUIRE_ENV}=1") < script.index("make test")


def test_ci_narrows_the_switch_only_to_drop_the_replica_it_could_not_start() -> None:
    script = CI_SCRIPT.read_text(encoding="utf-8")
    narrowed = [
        line.strip() for line in script.splitlines() if f"{REQUIRE_ENV}=" in line and "=1" not in line
    ]
    assert narrowed == [f"export {REQUIRE_ENV}=redis,s3"]
