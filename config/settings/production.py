"""Production: secrets from the environment, TLS everywhere, no demo accounts."""

from .base import *  # noqa: F403
from .base import DATABASES, env

DEBUG = False
DEMO_MODE = False
SHEYIN_REQUIRE_2FA = True
SECRET_KEY = env.str("SHEYIN_SECRET_KEY")
# Missing, malformed, published or not matching the stored data: the process refuses to start with a
# system check error that says which (sheyin.common.checks).
SHEYIN_DATA_KEY = env.str("SHEYIN_DATA_KEY", default="")
SHEYIN_INDEX_KEY = env.str("SHEYIN_INDEX_KEY", default="")
ALLOWED_HOSTS = env.list("SHEYIN_ALLOWED_HOSTS")
# The public address printed in QR codes and on paper: set it; failing that, the first allowed host over TLS.
SHEYIN_PUBLIC_BASE_URL = env.str("SHEYIN_PUBLIC_BASE_URL", default=f"https://{ALLOWED_HOSTS[0]}")
# Persistent database connections: each worker keeps its connection (checked before reuse) instead of
# opening one per request, which costs a round trip and authentication every time.
for _database in DATABASES.values():
    _database["CONN_MAX_AGE"] = env.int("SHEYIN_DB_CONN_MAX_AGE", default=60)
    _database["CONN_HEALTH_CHECKS"] = True
SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- several app hosts (docs/operations.md "Topology") ------------------------------------------------------
# Shared state on Redis: the cache (rate limits, the terminal's SMS codes, the replica check), sessions
# (Django's cached_db: read from Redis, kept in the database so a Redis restart logs nobody out; a request
# that only renews a session writes the database at most once a minute: sheyin.accounts.session_store)
# and Huey (base.py).
# API nonces, stored idempotent answers and the login lock-out (django-axes' database handler) are in the
# database, which every host shares (sheyin/common/tests/test_two_hosts.py shows all of it across two hosts).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("SHEYIN_CACHE_URL", default=REDIS_URL),
            "KEY_PREFIX": env.str("SHEYIN_CACHE_PREFIX", default="sheyin"),
        }
    }
    SESSION_ENGINE = "sheyin.accounts.session_store"

# Uploads and generated documents in an S3-compatible bucket (sheyin.common.storage): private objects,
# served only through the permission-checked views. Without a bucket, the file system (one host only).
if env.str("SHEYIN_S3_BUCKET", default=""):
    STORAGES = {
        "default": {
            "BACKEND": "sheyin.common.storage.PrivateS3Storage",
            "OPTIONS": {  # type: ignore[dict-item]
                "bucket_name": env.str("SHEYIN_S3_BUCKET"),
                "endpoint_url": env.str("SHEYIN_S3_ENDPOINT_URL", default="") or None,
                "region_name": env.str("SHEYIN_S3_REGION", default="") or None,
                "access_key": env.str("SHEYIN_S3_ACCESS_KEY_ID", default="") or None,
                "secret_key": env.str("SHEYIN_S3_SECRET_ACCESS_KEY", default="") or None,
                "location": env.str("SHEYIN_S3_PREFIX", default=""),
            },
        },
        "staticfiles": STORAGES["staticfiles"],
    }
