"""The load benchmark serves the production configuration: gunicorn's file, the production settings."""

from __future__ import annotations

import runpy

from sheyin.bench import load


def test_gunicorn_runs_preloaded_sync_workers_of_the_wsgi_application(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SHEYIN_WEB_WORKERS", "3")
    conf = runpy.run_path(str(load.GUNICORN_CONF))
    assert conf["preload_app"] is True
    assert conf["worker_class"] == "sync"
    assert conf["workers"] == 3
    assert conf["wsgi_app"] == "config.wsgi:application"


def test_the_benchmark_settings_change_only_the_urlconf_and_static_folder_of_production() -> None:
    source = (load.ROOT / "sheyin" / "bench" / "load_settings.py").read_text(encoding="utf-8")
    assignments = sorted(
        line.split("=")[0].strip()
        for line in source.splitlines()
        if "=" in line and not line.startswith((" ", "#", "from", "import"))
    )
    assert assignments == ["ROOT_URLCONF", "STATIC_ROOT"]
    assert "from config.settings.production import *" in source
