"""Production: secrets from the environment, TLS everywhere, no demo accounts."""

from .base import *  # noqa: F403
from .base import env

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
