"""Two app hosts share one Redis and one database (docs/operations.md, "Topology"): any host serves any
request. Two real gunicorn processes run the production settings (two_hosts_settings.py) on two ports,
over this test's database (PostgreSQL: the test database itself; SQLite: a file copy of it, which both
processes open) and one Redis database of their own, emptied before and after. A session made on host
A is valid on host B, a rate limit counts the calls of both hosts, and an API write retried on the other
host is answered from the first host's stored response while its nonce cannot be spent twice."""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from django.conf import settings as django_settings
from django.db import connection

from sheyin.accounts.tests.factories import PASSWORD, user_with_role
from sheyin.api import signing
from sheyin.api.tests.factories import api_client_for
from sheyin.common.keys import check_values
from sheyin.common.models import KeyCheck
from sheyin.common.tests.components import component_missing
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# One Redis database per xdist worker (9, 10, …): only that database is ever emptied.
REDIS_DB = 9 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
LOCK_FAILURES = 3
API_AUTH_FAILURES = 3
START_TIMEOUT_S = 60.0  # a loaded CI machine


def _redis() -> redis.Redis:
    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_connect_timeout=1)


def _redis_up() -> bool:
    try:
        return bool(_redis().ping())
    except redis.RedisError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Host:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, *, cookies: dict[str, str] | None = None, **kw: Any) -> Any:
        """As nginx forwards it: over TLS (X-Forwarded-Proto), so the production settings serve it and
        their Secure cookies are sent back by hand."""
        headers = {"X-Forwarded-Proto": "https", "Origin": f"https://127.0.0.1:{self.port}",
                   "Referer": f"https://127.0.0.1:{self.port}/", **kw.pop("headers", {})}  # fmt: skip
        timeout = kw.pop("timeout", 30)
        return requests.request(method, self.url + path, headers=headers, cookies=cookies or {},
                                allow_redirects=False, timeout=timeout, **kw)  # fmt: skip


@dataclass
class Hosts:
    a: Host
    b: Host
    database: str  # the database URL both hosts use
    keys: dict[str, str]

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """A query on the database the hosts write to (for SQLite, the shared file, not the test's copy)."""
        if self.database.startswith("sqlite:"):
            with sqlite3.connect(self.database.removeprefix("sqlite:///")) as db:
                return db.execute(sql, params).fetchall()
        with connection.cursor() as cur:
            cur.execute(sql.replace("?", "%s"), params)
            return list(cur.fetchall())


def _database_url(tmp_path: Path) -> str:
    """The committed test data, where a separate process can open it."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    target = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(target) as dst:
        connection.connection.backup(dst)
    return f"sqlite:///{target}"


def _start(name: str, tmp_path: Path, env: dict[str, str]) -> Host:
    port = _free_port()
    log = tmp_path / f"host-{name}.log"
    cmd = [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1",
           "--threads", "2", "--graceful-timeout", "2"]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=django_settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    return Host(name, port, proc, log)


def _wait_until_serving(host: Host) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if host.process.poll() is not None:
            break
        try:
            host.request("GET", "/accounts/login/", timeout=10)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    host.process.kill()
    raise AssertionError(f"host {host.name} did not start:\n{host.log.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def hosts(reference, settings, tmp_path: Path) -> Iterator[Callable[[], Hosts]]:  # type: ignore[no-untyped-def]
    """Fresh production keys (never the published ones), pinned in the database as `migrate` would; then
    the two hosts. Data the test makes before calling `hosts.start()` is what both see."""
    if not _redis_up():
        component_missing("redis", f"no Redis server at {REDIS_HOST}:{REDIS_PORT} (CI's .ci/run starts one)")
    keys = {
        "SHEYIN_SECRET_KEY": secrets.token_urlsafe(50),
        "SHEYIN_DATA_KEY": secrets.token_hex(16),
        "SHEYIN_INDEX_KEY": secrets.token_hex(32),
    }
    settings.SHEYIN_DATA_KEY, settings.SHEYIN_INDEX_KEY = keys["SHEYIN_DATA_KEY"], keys["SHEYIN_INDEX_KEY"]
    # Passwords hashed as production checks them (the test settings' fast hasher is not in its list).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    data_check, index_check = check_values(bytes.fromhex(keys["SHEYIN_DATA_KEY"]),
                                           bytes.fromhex(keys["SHEYIN_INDEX_KEY"]))  # fmt: skip
    KeyCheck.objects.all().delete()
    KeyCheck.objects.create(pk=1, data_check=data_check, index_check=index_check)
    _redis().flushdb()
    started: list[Host] = []

    def start() -> Hosts:
        database = _database_url(tmp_path)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SHEYIN_", "DATABASE_", "DJANGO_"))},
            **keys,
            "DJANGO_SETTINGS_MODULE": "sheyin.common.tests.two_hosts_settings",
            "DATABASE_URL": database,
            "REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
            "SHEYIN_DEMO_MODE": "false",
            "SHEYIN_ALLOWED_HOSTS": "127.0.0.1",
            "SHEYIN_2FA_ROLES": "security_admin",  # the test's user signs in with a password alone
            "SHEYIN_LOCK_FAILURES": str(LOCK_FAILURES),
            "SHEYIN_API_AUTH_FAILURES_PER_MINUTE": str(API_AUTH_FAILURES),
            "SHEYIN_MEDIA_ROOT": str(tmp_path / "media"),
            "SHEYIN_VAR_DIR": str(tmp_path / "var"),
            "SHEYIN_LOG_LEVEL": "WARNING",
            # As behind nginx on the same machine: the client address is the X-Real-IP the test sends.
            "SHEYIN_TRUSTED_PROXIES": "127.0.0.1",
        }
        started.extend([_start("A", tmp_path, env), _start("B", tmp_path, env)])
        for host in started:
            _wait_until_serving(host)
        return Hosts(started[0], started[1], database, keys)

    yield start
    for host in started:
        host.process.terminate()
    for host in started:
        try:
            host.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            host.process.kill()
    _redis().flushdb()


def _login(host: Host, username: str, password: str) -> Any:
    page = host.request("GET", "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    return host.request(
        "POST", "/accounts/login/", cookies={"csrftoken": page.cookies["csrftoken"]},
        data={"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)},
    )  # fmt: skip


def _wait_for_a_fresh_window(margin_s: float = 8.0) -> None:
    """The API counts in fixed one-minute windows: start far enough from the end of one."""
    left = 60 - time.time() % 60
    if left < margin_s:
        time.sleep(left + 0.5)


def a_session_made_on_host_a_is_valid_on_host_b_and_lives_in_redis(h: Hosts, user: Any) -> None:
    signed_in = _login(h.a, user.username, PASSWORD)
    assert signed_in.status_code == 302, signed_in.text[:500]
    session = signed_in.cookies["sessionid"]
    on_b = h.b.request("GET", "/accounts/profile/", cookies={"sessionid": session})
    assert on_b.status_code == 200
    assert user.display_name in on_b.text
    assert h.b.request("GET", "/accounts/profile/").status_code == 302  # without the cookie: to the login
    assert any(b"cached_db" in k for k in _redis().keys("*")), "the session is not cached in Redis"
    # cached_db keeps it in the database too: a Redis restart logs nobody out.
    assert h.rows("SELECT COUNT(*) FROM django_session WHERE session_key = ?", (session,)) == [(1,)]


def login_failures_on_both_hosts_lock_the_account_on_either(h: Hosts, user: Any) -> None:
    tries = [h.a, h.b, h.a, h.b][:LOCK_FAILURES]
    answers = [_login(host, user.username, "Wrong-pass-9").status_code for host in tries]
    # The form again with an error, until the failure that reaches the limit locks the account.
    assert answers == [200] * (LOCK_FAILURES - 1) + [429]
    locked = _login(h.b if tries[-1] is h.a else h.a, user.username, PASSWORD)
    assert locked.status_code == 429
    assert "账号已锁定" in locked.text


def api_authentication_failures_are_counted_across_hosts_in_redis(h: Hosts) -> None:
    # A caller of its own (TEST-NET address), so the other checks' refusals are not in its count.
    bad = {"Authorization": "Bearer syt_0123abcd_" + "x" * 32, "X-Real-IP": "192.0.2.10"}
    _wait_for_a_fresh_window()
    tries = [h.a, h.b, h.a, h.b][:API_AUTH_FAILURES]
    answers = [host.request("GET", "/api/v1/institutions/outlets", headers=bad) for host in tries]
    assert [r.status_code for r in answers] == [401] * API_AUTH_FAILURES
    refused = (h.b if tries[-1] is h.a else h.a).request("GET", "/api/v1/institutions/outlets", headers=bad)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert any(b"sheyin:api:" in k for k in _redis().keys("*")), "the counters are not in Redis"


def an_api_write_retried_on_the_other_host_is_replayed_and_its_nonce_is_spent(
    h: Hosts, client: Any, secret: str, outlet: Any
) -> None:
    path = f"/api/v1/institutions/outlets/{outlet.code}/contact"
    body = json.dumps({"phone": "010-88886666"}).encode()

    def send(host: Host, headers: dict[str, str]) -> Any:
        return host.request("PATCH", path, data=body, headers={**headers, "Content-Type": "application/json",
                                                              "Idempotency-Key": "cross-host-1"})  # fmt: skip

    first_headers = signing.signed_headers(client.key_id, secret, "PATCH", path, body)
    first = send(h.a, first_headers)
    assert first.status_code == 200, first.text
    assert first.json()["phone"] == "010-88886666"
    retry = send(h.b, signing.signed_headers(client.key_id, secret, "PATCH", path, body))
    assert retry.status_code == 200
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert retry.content == first.content
    captured = send(h.b, first_headers)  # the very same signed request again: its nonce is spent
    assert captured.status_code == 401
    assert captured.json()["code"] == "nonce_reused"
    written = h.rows("SELECT COUNT(*) FROM audit_auditevent WHERE action = ? AND object_id = ?",
                     ("outlet.update", str(outlet.pk)))  # fmt: skip
    assert written == [(1,)]


def test_two_hosts_share_sessions_rate_limits_and_idempotent_replays(hosts) -> None:  # type: ignore[no-untyped-def]
    """One pair of hosts for the four checks: starting them and emptying the database afterwards is
    what takes the time."""
    signing_in = user_with_role("district_officer", agency=district(), display_name="跨主机用户")
    locked_out = user_with_role("district_officer", agency=district())
    bank = BankFactory(short_name="本行")
    outlet = OutletFactory(bank=bank, name="本行朝阳网点")
    client, secret = api_client_for(bank)
    h = hosts()
    a_session_made_on_host_a_is_valid_on_host_b_and_lives_in_redis(h, signing_in)
    login_failures_on_both_hosts_lock_the_account_on_either(h, locked_out)
    an_api_write_retried_on_the_other_host_is_replayed_and_its_nonce_is_spent(h, client, secret, outlet)
    api_authentication_failures_are_counted_across_hosts_in_redis(h)
