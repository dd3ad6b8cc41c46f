"""The load benchmark serves the production configuration: gunicorn's file, the production settings."""

from __future__ import annotations

import importlib.util
import runpy
import subprocess

import pytest

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


def test_the_nginx_of_two_hosts_balances_both_gunicorn_ports_and_sends_the_proxy_headers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    conf = load.nginx_config(tmp_path, 9100, [9101, 9102])
    assert "server 127.0.0.1:9101;" in conf
    assert "server 127.0.0.1:9102;" in conf
    assert "listen 127.0.0.1:9100;" in conf
    assert "proxy_pass http://sheyin;" in conf
    assert "proxy_set_header X-Forwarded-Proto https;" in conf
    assert "proxy_set_header X-Real-IP $http_x_real_ip;" in conf
    assert "proxy_set_header Host $http_host;" in conf
    assert "keepalive 16;" in conf
    assert "daemon off;" in conf
    assert f"pid {tmp_path}/nginx.pid;" in conf
    assert f"error_log {tmp_path}/error.log" in conf
    assert f"access_log {tmp_path}/access.log" in conf


@pytest.mark.skipif(load.nginx_binary() is None, reason="nginx is not installed (make bench-deps)")
def test_nginx_accepts_the_generated_configuration(tmp_path) -> None:  # type: ignore[no-untyped-def]
    nginx = load.nginx_binary()
    assert nginx
    conf = tmp_path / "nginx.conf"
    conf.write_text(load.nginx_config(tmp_path, 9100, [9101, 9102]), encoding="utf-8")
    done = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr


def test_two_hosts_without_nginx_are_refused_naming_make_bench_deps(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(load, "nginx_binary", lambda: None)

    def no_database(name: str) -> None:
        raise AssertionError("no database may be created")

    monkeypatch.setattr(load.pgdb, "create_database", no_database)
    assert load.main(["--hosts", "2"]) == 2
    assert "make bench-deps" in capsys.readouterr().err


def test_the_benchmark_without_locust_is_refused_naming_make_bench_deps(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(load.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "locust" else find_spec(name)
    )

    def no_database(name: str) -> None:
        raise AssertionError("no database may be created")

    monkeypatch.setattr(load.pgdb, "create_database", no_database)
    assert load.main(["--hosts", "1"]) == 2
    err = capsys.readouterr().err
    assert "Locust" in err
    assert "make bench-deps" in err
