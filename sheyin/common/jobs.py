"""Long jobs: their own Huey queue and worker, and a heartbeat (docs/decisions/0125-long-jobs-queue-and-heartbeat.md).

The short queue (``settings.HUEY``, `manage.py run_huey`) carries audit sealing, reminders and every
periodic task; a job that may run for minutes (a site recommendation) goes on the long queue
(``settings.HUEY_LONG``, `manage.py run_huey_long`), so sealing and reminders never wait behind it.

A long job's row carries a ``heartbeat_at`` column; while the job runs, a daemon thread of the worker
writes the time into it every ``SHEYIN_JOB_HEARTBEAT_S`` seconds. A periodic task on the short queue
fails a running job whose heartbeat is older than ``SHEYIN_JOB_STALE_S`` (its worker was killed or
restarted), so it no longer counts as active and its user can start another.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import close_old_connections, connection, models
from django.utils import timezone
from huey import Huey
from huey.utils import load_class

F = TypeVar("F", bound=Callable[..., Any])


def _build(config: Any) -> Huey:
    if isinstance(config, Huey):
        return config
    options = dict(config)
    backend = load_class(options.pop("huey_class", "huey.RedisHuey"))
    name = options.pop("name", "sheyin-long")
    options.pop("consumer", None)
    return backend(name, **options)


LONG_HUEY: Huey = _build(getattr(settings, "HUEY_LONG", {"huey_class": "huey.MemoryHuey", "immediate": True}))


def long_task(**options: Any) -> Callable[[F], Any]:
    """``db_task`` for the long queue: the worker's database connections are closed around the job."""

    def decorator(fn: F) -> Any:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            if not LONG_HUEY.immediate:
                close_old_connections()
            try:
                return fn(*args, **kwargs)
            finally:
                if not LONG_HUEY.immediate:
                    close_old_connections()

        return LONG_HUEY.task(**options)(inner)

    return decorator


def heartbeat_interval() -> float:
    return float(getattr(settings, "SHEYIN_JOB_HEARTBEAT_S", 5))


def stale_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "SHEYIN_JOB_STALE_S", 60)))


def is_stale(heartbeat_at: Any, *, now: Any = None) -> bool:
    """No heartbeat within the limit: the worker that ran the job is gone (or hung)."""
    if heartbeat_at is None:
        return True
    return bool(heartbeat_at < (now or timezone.now()) - stale_after())


def beat(model: type[models.Model], pk: int) -> None:
    model._default_manager.filter(pk=pk).update(heartbeat_at=timezone.now())


@contextmanager
def heartbeat(model: type[models.Model], pk: int) -> Iterator[None]:
    """Beat at once, then every few seconds from a daemon thread for as long as the block runs.

    The thread uses its own database connection. With an in-memory SQLite database (the test suite's
    immediate jobs) a second connection would see another database, so there the job beats only at
    its start; the stale-job sweep and cancel are tested against a real worker process.
    """
    beat(model, pk)
    interval = heartbeat_interval()
    in_memory = connection.vendor == "sqlite" and bool(
        getattr(connection, "is_in_memory_db", lambda: False)()
    )
    if interval <= 0 or in_memory:
        yield
        return
    stop = threading.Event()

    def loop() -> None:
        try:
            while not stop.wait(interval):
                beat(model, pk)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=loop, name=f"heartbeat-{model.__name__}-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 5)
