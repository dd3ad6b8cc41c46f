"""Settings for the test suite: same code paths, faster hashing, immediate jobs."""

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES

DEBUG = False
DEMO_MODE = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; prod uses argon2
HUEY = {"huey_class": "huey.MemoryHuey", "name": "sheyin-test", "immediate": True}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": None}  # in-memory
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
