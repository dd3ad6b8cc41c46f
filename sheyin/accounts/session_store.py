"""Sessions in Redis with the database behind them (production with REDIS_URL): Django's `cached_db`,
except that a renewal is written to the cache only, and to the database at most once a minute.

Every request renews the session (`SESSION_SAVE_EVERY_REQUEST`: staff sessions end after 10 idle minutes),
so `cached_db` writes and commits the database row on every page: as costly as the page's own work. Here
a request that changed nothing in the session only restarts the idle timer in the cache, which is where
sessions are read from; the database row is rewritten when the session's data change, or when its copy is
`DB_RENEW_SECONDS` old. The row matters only when Redis has lost the session (a restart): then the session
may end up to `DB_RENEW_SECONDS` early, never late. The idle limit itself is unchanged.

A page calls several times in a row (the page, its fragments, the keep-alive): a renewal less than
`CACHE_RENEW_SECONDS` after the last one writes nothing at all, so the idle timer may end up to that much
early, never late.
"""

from __future__ import annotations

import logging
import time

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

logger = logging.getLogger(__name__)

# When the database copy was last written (seconds since the epoch), kept in the session's data.
DB_SAVED_AT = "_sheyin_db_saved_at"
DB_RENEW_SECONDS = 60
# When the cache's copy was last written, likewise.
CACHE_SAVED_AT = "_sheyin_cache_saved_at"
CACHE_RENEW_SECONDS = 15


def _now() -> int:
    return int(time.time())


class SessionStore(CachedDBStore):
    def save(self, must_create: bool = False) -> None:
        data = self._get_session(no_load=must_create)  # type: ignore[attr-defined]
        now = _now()
        renewal = not must_create and self.session_key is not None and not self.modified
        if renewal and now - int(data.get(CACHE_SAVED_AT) or 0) < CACHE_RENEW_SECONDS:
            return
        if renewal and now - int(data.get(DB_SAVED_AT) or 0) < DB_RENEW_SECONDS:
            data[CACHE_SAVED_AT] = now
            try:
                self._cache.set(self.cache_key, data, self.get_expiry_age())  # type: ignore[attr-defined]
                return
            except Exception:  # the cache is down: the database copy keeps the session
                logger.exception("session renewal not cached; written to the database")
        data[DB_SAVED_AT] = data[CACHE_SAVED_AT] = now
        super().save(must_create)
