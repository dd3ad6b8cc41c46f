"""Benchmark: requests per second under load, gunicorn in its production configuration on PostgreSQL.

    python -m sheyin.bench load [--cases 200000] [--duration 20] [--users 8] [--workers 2] [--hosts 1]
                                [--db NAME] [--keep] [--only portal_home,...]

1. The data set: a fresh database (`sheyin_bench_<pid>_<timestamp>_load`) built by `sheyin.bench scale`'s
   builder with `--cases` cases (3,000 outlets, 15,000 staff), in a child process, with keys generated for
   this run. `--db NAME` reuses a data set instead (`scale --keep`); its keys must then be in
   SHEYIN_SECRET_KEY / SHEYIN_DATA_KEY / SHEYIN_INDEX_KEY. Only a database this run created is dropped, at
   the end, unless `--keep`.
2. A Redis server of its own (`redis-server` on a free port, no persistence) for the cache and sessions,
   as in production (`REDIS_URL`), stopped at the end.
3. `--hosts` gunicorn instances, each `gunicorn -c config/gunicorn.conf.py` (sync workers, `--preload`,
   `--workers` each) with `sheyin.bench.load_settings`: the production settings plus two anchor views
   in the benchmark's own URLconf (`sheyin.bench.load_urls`, never in the product's URLs).
   With `--hosts 2`, Debian's nginx (`make bench-deps`) balances the two instances, as in production: a
   configuration generated into the run's temporary folder (`nginx_config`: an upstream of both ports,
   `least_conn`, keep-alive connections, its own pid file, logs and temporary files, the current user),
   run in the foreground as `nginx -p <folder> -c <folder>/nginx.conf` on a free port and stopped by its
   PID at the end; Locust then talks to nginx only. Without nginx, `--hosts 2` is refused.
4. For each endpoint, Locust headless (`--users` users, no think time) for `--duration` seconds: the
   anchors (a bare JSON view; a bare view doing one indexed read and one insert), the portal home, the
   nearest outlets to a random point, a signed API read (outlets, 20 per page), a signed API write (a
   ticket with an Idempotency-Key), the outlet staff's case list (logged in, second factor passed) and
   the window's case acceptance (the call that opens a case: CSRF-checked POST).

Prints a table (req/s, p50, p99 in ms, errors) and, last,
`load: bare_json_rps=<n> bare_rw_rps=<n> min_ratio=<n> worst=<endpoint>`, min_ratio being the lowest
req/s of a product endpoint divided by the read+write anchor's. The load generator runs on the same
machine and takes CPU from the server: figures compare endpoints within one run, not machines.
"""

from __future__ import annotations

import argparse
import csv
import grp
import importlib.util
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from sheyin.bench import pgdb

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).with_name("load_locustfile.py")
GUNICORN_CONF = ROOT / "config" / "gunicorn.conf.py"
ANCHORS = ["bare_json", "bare_rw"]
ENDPOINTS = ["portal_home", "nearest", "api_read", "api_write", "workbench_list", "case_accept"]
STAFF_SESSIONS = 8
NGINX_HINT = "nginx is not installed: run `make bench-deps` (Debian's nginx-light)"


def nginx_binary() -> str | None:
    """Debian's nginx, also when /usr/sbin is not on a user's PATH."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def nginx_config(prefix: Path, port: int, upstream_ports: list[int]) -> str:
    """The balancer of `--hosts 2`: everything it writes stays in `prefix` (pid, logs, temporary files).

    It sends `X-Forwarded-Proto: https`, as the nginx that terminates TLS in production does, and passes
    the `X-Real-IP` each Locust user sends: those stand for the many client addresses a real site sees
    (a production nginx overwrites it with `$remote_addr`: docs/operations.md). `Host` keeps the port, so
    the CSRF check of the case acceptance compares its Referer with the address Locust used.
    """
    user = ""
    if os.geteuid() == 0:  # nginx would drop its workers to `nobody`, who cannot write in `prefix`
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};\n"
    servers = "".join(f"        server 127.0.0.1:{p};\n" for p in upstream_ports)
    return f"""# python -m sheyin.bench load --hosts {len(upstream_ports)}: nginx -p {prefix} -c {prefix}/nginx.conf
{user}daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    access_log {prefix}/access.log combined buffer=64k flush=1s;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_max_body_size 6m;

    upstream sheyin {{
        least_conn;
{servers}        keepalive 16;
    }}

    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://sheyin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Real-IP $http_x_real_ip;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


def start_nginx(nginx: str, prefix: Path, upstream_ports: list[int]) -> tuple[subprocess.Popen[bytes], int]:
    """nginx in the foreground (its master is the returned process) on a free port, after `nginx -t`."""
    prefix.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(nginx_config(prefix, port, upstream_ports), encoding="utf-8")
    cmd = [nginx, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    subprocess.run([*cmd, "-t", "-q"], check=True, stdout=subprocess.DEVNULL)
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL), port


def _log(msg: str) -> None:
    print(msg, flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            req = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310
            with urllib.request.urlopen(req, timeout=2):  # noqa: S310 (our own server on the loopback)
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _wait_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def build_into(name: str, cases: int) -> None:
    """Child process: the scale builder into `name` (created, empty) under the demo-mode base settings
    that `seed_demo` needs; the keys come from the environment the parent set."""
    from sheyin.bench import scale

    os.environ["SHEYIN_DEMO_MODE"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    pgdb.use_database(name)
    import logging

    logging.disable(logging.WARNING)
    scale.build(name, cases, 2 * cases, 3000, 15_000, 20261206)


def prepare(env: dict[str, str]) -> dict[str, Any]:
    """In the benchmark's database, under the load settings (`env`): an API client of the busiest outlet's
    bank (rate limit out of the way), and signed-in, second-factor-verified sessions of that outlet's staff."""
    os.environ.update(env)
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from sheyin.accounts.middleware import LOGIN_AT
    from sheyin.accounts.models import User
    from sheyin.api import services as api_services
    from sheyin.staffing.models import StaffMember

    staff = User.objects.get(username="bench_staff")
    member = StaffMember.objects.select_related("outlet__bank").get(user=staff)
    outlet = member.outlet
    client, secret = api_services.client_register(
        data={
            "bank": outlet.bank,
            "name": f"负载测试{secrets.token_hex(3)}",
            "rate_limit_per_minute": 100_000,
        },
        by=None,
    )
    store_cls = import_module(settings.SESSION_ENGINE).SessionStore
    users = list(
        User.objects.filter(staff_member__outlet=outlet, staff_member__status="active").order_by("pk")[
            :STAFF_SESSIONS
        ]
    ) or [staff]
    sessions = []
    for user in users:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        store = store_cls()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store[LOGIN_AT] = time.time()
        store.save(must_create=True)
        sessions.append(store.session_key)
    from django.db import connections

    connections.close_all()
    return {"client_id": client.pk, "key_id": client.key_id, "secret": secret, "outlet": outlet.code,
            "sessions": sessions}  # fmt: skip


def run_locust(endpoint: str, hosts: list[str], users: int, duration: int, env: dict[str, str],
               out: Path) -> dict[str, Any]:  # fmt: skip
    prefix = out / endpoint
    cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(users),
           "-r", str(users), "-t", f"{duration}s", "--csv", str(prefix), "--only-summary",
           "--loglevel", "ERROR", "--stop-timeout", "5"]  # fmt: skip
    run_env = {**env, "LOAD_ENDPOINT": endpoint, "LOAD_HOSTS": ",".join(hosts)}
    log = Path(f"{prefix}_locust.log")
    with log.open("wb") as err:
        subprocess.run(cmd, env=run_env, stdout=subprocess.DEVNULL, stderr=err, check=False, cwd=ROOT,
                       timeout=duration + 120)  # fmt: skip
    row: dict[str, Any] = {"endpoint": endpoint, "rps": 0.0, "p50": 0.0, "p99": 0.0, "n": 0, "errors": 0,
                           "error": ""}  # fmt: skip
    stats = Path(f"{prefix}_stats.csv")
    if stats.exists():
        with stats.open(encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if r["Name"] == "Aggregated":
                    row.update(rps=float(r["Requests/s"]), p50=float(r["50%"] or 0), p99=float(r["99%"] or 0),
                               n=int(r["Request Count"]), errors=int(r["Failure Count"]))  # fmt: skip
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with failures.open(encoding="utf-8") as f:
            first = next(csv.DictReader(f), None)
            if first:
                row["error"] = first.get("Error", "")[:80]
    if not row["n"]:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        row["error"] = (lines[-1] if lines else "Locust measured nothing")[:120]
        _log(f"load: {endpoint}: no request measured: {row['error']}")
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sheyin.bench load")
    ap.add_argument("--cases", type=int, default=200_000, help="cases in the data set it builds")
    ap.add_argument("--duration", type=int, default=20, help="seconds per endpoint")
    ap.add_argument("--users", type=int, default=8, help="concurrent Locust users (no think time)")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per host")
    ap.add_argument("--hosts", type=int, default=1, choices=[1, 2], help="gunicorn instances")
    ap.add_argument("--db", help="reuse this data set (`scale --keep`); its keys must be in the environment")
    ap.add_argument("--keep", action="store_true", help="keep the database this run builds")
    ap.add_argument("--only", default="", help="comma-separated endpoints (the anchors always run)")
    args = ap.parse_args(argv)
    nginx = nginx_binary() if args.hosts > 1 else None
    if args.hosts > 1 and not nginx:
        print(f"load: --hosts {args.hosts} puts nginx in front of the gunicorn instances; {NGINX_HINT}",
              file=sys.stderr)  # fmt: skip
        return 2
    if not shutil.which("redis-server"):
        print("load: redis-server is needed: run `make bench-deps` (Debian's redis-server)", file=sys.stderr)
        return 2
    if importlib.util.find_spec("locust") is None:
        print("load: Locust is not installed: run `make bench-deps` (the `bench` extra)", file=sys.stderr)
        return 2

    env = dict(os.environ)
    created = ""
    if args.db:
        if not pgdb.exists(args.db):
            print(f"load: no database {args.db}", file=sys.stderr)
            return 2
        missing = [k for k in ("SHEYIN_SECRET_KEY", "SHEYIN_DATA_KEY", "SHEYIN_INDEX_KEY") if not env.get(k)]
        if missing:
            print(f"load: --db needs the data set's keys in {', '.join(missing)}", file=sys.stderr)
            return 2
        name = args.db
    else:
        env.update(SHEYIN_SECRET_KEY=secrets.token_urlsafe(50), SHEYIN_DATA_KEY=secrets.token_hex(16),
                   SHEYIN_INDEX_KEY=secrets.token_hex(32))  # fmt: skip
        name = created = pgdb.generated_name("load")
        pgdb.create_database(name)
    procs: list[subprocess.Popen[bytes]] = []
    tmp = Path(tempfile.mkdtemp(prefix="sheyin_load_"))
    try:
        if created:
            _log(f"load: building {args.cases:,} cases in {name}")
            t0 = time.perf_counter()
            build_env = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
            subprocess.run([sys.executable, "-c", f"from sheyin.bench import load; load.build_into({name!r}, "
                            f"{args.cases})"], env=build_env, check=True, cwd=ROOT,
                           stdout=subprocess.DEVNULL)  # fmt: skip
            _log(f"load: data set built in {time.perf_counter() - t0:.0f} s")
        redis_port = _free_port()
        procs.append(subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                                       "--save", "", "--appendonly", "no", "--dir", str(tmp)],
                                      stdout=subprocess.DEVNULL))  # fmt: skip
        _wait_port(redis_port)
        env.update(
            DJANGO_SETTINGS_MODULE="sheyin.bench.load_settings",
            DATABASE_URL=pgdb.url_for(name),
            REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            SHEYIN_ALLOWED_HOSTS="127.0.0.1,localhost",
            SHEYIN_PUBLIC_BASE_URL="https://sheyin.example.cn",
            SHEYIN_TRUSTED_PROXIES="127.0.0.1",
            # Every Locust user is one client; the per-address limits of the API protect against floods,
            # not against this benchmark (the bank client's own limit is raised on its record).
            SHEYIN_API_ADDRESS_RATE_PER_MINUTE=str(10**7),
            SHEYIN_MEDIA_ROOT=str(tmp / "media"),
            SHEYIN_VAR_DIR=str(tmp / "var"),
            SHEYIN_LOG_LEVEL="WARNING",
            SHEYIN_WEB_LOG_LEVEL="warning",
            SHEYIN_WEB_WORKERS=str(args.workers),
            SHEYIN_BENCH_STATIC_ROOT=str(tmp / "static"),
        )
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, check=True,
                       cwd=ROOT)  # fmt: skip
        _log(f"load: static files collected in {time.perf_counter() - t0:.0f} s")
        prep = prepare(env)
        env.update(
            SHEYIN_BENCH_OUTLET=prep["outlet"],
            SHEYIN_BENCH_CLIENT_ID=str(prep["client_id"]),
            LOAD_KEY_ID=prep["key_id"],
            LOAD_SECRET=prep["secret"],
            LOAD_OUTLET=prep["outlet"],
            LOAD_SESSIONS=",".join(prep["sessions"]),
            LOAD_CSRF=secrets.token_hex(16),  # 32 characters: a CSRF secret, sent as cookie and as token
        )
        ports = []
        for _ in range(args.hosts):
            port = _free_port()
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)],
                env={**env, "SHEYIN_BIND": f"127.0.0.1:{port}"}, cwd=ROOT,
            ))  # fmt: skip
            ports.append(port)
        for port in ports:
            _wait_http(f"http://127.0.0.1:{port}/__bench__/json")
        hosts = [f"http://127.0.0.1:{ports[0]}"]
        front = ""
        if nginx:
            proc, port = start_nginx(nginx, tmp / "nginx", ports)
            procs.append(proc)
            hosts = [f"http://127.0.0.1:{port}"]
            _wait_http(hosts[0] + "/__bench__/json")
            front = f" behind nginx (least_conn, port {port})"
        _log(f"load: {args.hosts} host(s) x {args.workers} sync workers (--preload){front}, {args.users} "
             f"users, {args.duration} s per endpoint")  # fmt: skip
        only = [e for e in args.only.split(",") if e]
        rows = [run_locust(e, hosts, args.users, args.duration, env, tmp)
                for e in ANCHORS + [e for e in ENDPOINTS if not only or e in only]]  # fmt: skip
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        from django.apps import apps

        if apps.ready:
            from django.db import connections

            connections.close_all()
        shutil.rmtree(tmp, ignore_errors=True)
        if created and not args.keep:
            pgdb.drop_database(created)
            _log(f"load: dropped {created}")
        elif created:
            _log(f"load: kept {created} (reuse with --db and the keys printed below)")
            for k in ("SHEYIN_SECRET_KEY", "SHEYIN_DATA_KEY", "SHEYIN_INDEX_KEY"):
                _log(f"  {k}={env[k]}")

    print(f"\n{'endpoint':<16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9} {'errors':>7}")
    for r in rows:
        print(f"{r['endpoint']:<16} {r['rps']:8.1f} {r['p50']:8.0f} {r['p99']:8.0f} {r['n']:9d} {r['errors']:7d}"
              + (f"  {r['error']}" if r["errors"] or not r["n"] else ""))  # fmt: skip
    by = {r["endpoint"]: r for r in rows}
    bare_json, bare_rw = by["bare_json"]["rps"], by["bare_rw"]["rps"]
    product = [r for r in rows if r["endpoint"] not in ANCHORS]
    worst = min(product, key=lambda r: r["rps"]) if product else {"endpoint": "-", "rps": 0.0}
    ratio = worst["rps"] / bare_rw if bare_rw else 0.0
    print(f"load: bare_json_rps={bare_json:.0f} bare_rw_rps={bare_rw:.0f} min_ratio={ratio:.2f} "
          f"worst={worst['endpoint']}", flush=True)  # fmt: skip
    return 1 if any(not r["n"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
