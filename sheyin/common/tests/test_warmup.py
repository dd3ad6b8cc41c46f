"""gunicorn's master builds templates, catalogues and URLs before it forks, so no worker builds them again."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path
from typing import Any

from django.template import engines

from sheyin.common import warmup

ROOT = Path(__file__).resolve().parents[3]


def _cached_loader() -> Any:
    loader = engines["django"].engine.template_loaders[0]
    while not hasattr(loader, "get_template_cache"):
        loader = loader.loaders[0]
    return loader


def test_every_template_is_compiled_into_the_cache_before_the_fork() -> None:
    cache = _cached_loader().get_template_cache
    cache.clear()
    figures = warmup.warm()
    assert figures["templates"] >= 200 and figures["url_namespaces"] > 10
    for name in ("base.html", "casework/case_list.html", "portal/nearest.html"):
        assert name in cache and not isinstance(cache[name], type)  # a compiled template, not a miss


def test_the_gunicorn_master_warms_the_application_when_ready(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls: list[int] = []
    monkeypatch.setattr(warmup, "prepare_to_fork", lambda: calls.append(1))
    conf = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))
    assert conf["preload_app"] is True
    conf["when_ready"](object())
    assert calls == [1]


def test_the_objects_alive_before_the_fork_are_frozen_out_of_later_collections() -> None:
    try:
        figures = warmup.prepare_to_fork()
        assert figures["templates"] >= 200
        assert figures["frozen_objects"] == gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()  # the test process goes on collecting as before
    assert gc.get_freeze_count() == 0
