"""Production: secrets from the environment, TLS everywhere, no demo accounts."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
DEMO_MODE = False
SHEYIN_REQUIRE_2FA = True
SECRET_KEY = env.str("SHEYIN_SECRET_KEY")
SHEYIN_DATA_KEY = env.str("SHEYIN_DATA_KEY")
SHEYIN_INDEX_KEY = env.str("SHEYIN_INDEX_KEY")
ALLOWED_HOSTS = env.list("SHEYIN_ALLOWED_HOSTS")
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
