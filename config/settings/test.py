"""Settings for the test suite: same code paths, faster hashing, immediate jobs."""

from sheyin.common.keys import BUILTIN_DATA_KEY, BUILTIN_INDEX_KEY, BUILTIN_SECRET_KEY

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, env

DEBUG = False
DEMO_MODE = True
# Tests may use the built-in (published) keys, whatever the environment's demo switch says.
SECRET_KEY = env.str("SHEYIN_SECRET_KEY", default=BUILTIN_SECRET_KEY)
SHEYIN_DATA_KEY = env.str("SHEYIN_DATA_KEY", default=BUILTIN_DATA_KEY)
SHEYIN_INDEX_KEY = env.str("SHEYIN_INDEX_KEY", default=BUILTIN_INDEX_KEY)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; prod uses argon2
HUEY = {"huey_class": "huey.MemoryHuey", "name": "sheyin-test", "immediate": True}
HUEY_LONG = {"huey_class": "huey.MemoryHuey", "name": "sheyin-test-long", "immediate": True}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
# The demo's history in two months, not thirteen (its own test takes the year: dashboards/tests).
SHEYIN_DEMO_HISTORY_MONTHS = 2
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": None}  # in-memory
if "replica" in DATABASES:  # ordinary tests read "the replica" from the test database itself
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
