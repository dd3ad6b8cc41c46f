"""The production settings as two app hosts run them in `test_two_hosts.py`.

Everything is config.settings.production (Redis cache and sessions, Huey on Redis, TLS-only cookies, no
demo mode, keys checked at start) except the static files storage: a test run has no `collectstatic`
manifest, so pages use the finders' storage instead of the manifest one."""

from config.settings.production import *  # noqa: F403
from config.settings.production import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
