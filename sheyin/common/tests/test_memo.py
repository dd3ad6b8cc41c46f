"""The per-request memo: a look-up made once per request, afresh outside a request and after a write."""

from __future__ import annotations

from sheyin.common import memo


def test_outside_a_request_every_call_looks_up_afresh() -> None:
    calls: list[int] = []

    def look_up() -> int:
        calls.append(1)
        return len(calls)

    assert [memo.remember("k", look_up) for _ in range(2)] == [1, 2]


def test_within_a_request_a_look_up_is_made_once_until_forgotten() -> None:
    calls: list[int] = []
    seen: list[int] = []

    def look_up() -> int:
        calls.append(1)
        return len(calls)

    def view(request):  # type: ignore[no-untyped-def]
        for _ in range(3):
            seen.append(memo.remember(("grant", 1), look_up))
        memo.forget()  # a write in between
        seen.append(memo.remember(("grant", 1), look_up))
        return "ok"

    assert memo.MemoMiddleware(view)(object()) == "ok"  # type: ignore[arg-type]
    assert seen == [1, 1, 1, 2]
    assert memo.remember(("grant", 1), lambda: "afresh") == "afresh"  # the request's memo is gone
