"""gunicorn's production configuration: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Sync workers, the application loaded once in the master and forked (`preload_app`: the key check, URL
resolvers, templates and translations are paid once, and the workers share that memory). Every value can
be set from the environment (docs/operations.md):

| variable | meaning |
|---|---|
| `SHEYIN_BIND` | address to listen on (default 127.0.0.1:8001; nginx proxies to it) |
| `SHEYIN_WEB_WORKERS` | sync worker processes (default 2 × cores + 1) |
| `SHEYIN_WEB_TIMEOUT` | seconds before a silent worker is killed and replaced (default 30) |
| `SHEYIN_WEB_MAX_REQUESTS` | requests after which a worker is replaced, with ±10 % jitter (default 5000) |
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

wsgi_app = "config.wsgi:application"
bind = os.environ.get("SHEYIN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("SHEYIN_WEB_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
worker_class = "sync"
preload_app = True
timeout = int(os.environ.get("SHEYIN_WEB_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 2
max_requests = int(os.environ.get("SHEYIN_WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
accesslog = None  # nginx logs requests; the application logs what matters (audit trail, errors)
errorlog = "-"
loglevel = os.environ.get("SHEYIN_WEB_LOG_LEVEL", "info")
proc_name = "sheyin"


def pre_fork(server: Any, worker: Any) -> None:
    """The preloaded application checked the keys against the database: close that connection in the
    master, so that no worker inherits (and shares) its socket. Each worker opens its own."""
    from django.db import connections

    connections.close_all()


def when_ready(server: Any) -> None:
    """Templates, translations, URLs and the static manifest built once in the master, before the first
    fork, and the master's objects frozen out of the garbage collector's walks: every worker (and every
    replacement after `max_requests`) inherits them (sheyin/common/warmup.py)."""
    if preload_app:
        from sheyin.common.warmup import prepare_to_fork

        prepare_to_fork()
