"""Settings shared by every environment. Values come from the environment (12-factor)."""

from __future__ import annotations

from pathlib import Path

import environ

from sheyin.common.keys import BUILTIN_DATA_KEY, BUILTIN_INDEX_KEY, BUILTIN_SECRET_KEY

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("SHEYIN_DEBUG", default=False)
# Demo mode: demo accounts with published passwords exist. Never on in production.
DEMO_MODE = env.bool("SHEYIN_DEMO_MODE", default=True)
# The built-in keys are published in this repository: only demo (and test) settings fall back to them.
# Outside demo mode a missing key stops the process at start (sheyin.common.checks).
SECRET_KEY = env.str("SHEYIN_SECRET_KEY", default=BUILTIN_SECRET_KEY if DEMO_MODE else "")
ALLOWED_HOSTS = env.list("SHEYIN_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "huey.contrib.djhuey",
    "sheyin.common",
    "sheyin.accounts",
    "sheyin.audit",
    "sheyin.institutions",
    "sheyin.notifications",
    "sheyin.notices",
    "sheyin.catalogue",
    "sheyin.cooperation",
    "sheyin.staffing",
    "sheyin.planning",
    "sheyin.coresystem",
    "sheyin.casework",
    "sheyin.ratings",
    "sheyin.support",
    "sheyin.supervision",
    "sheyin.kiosk",
    "sheyin.portal",
    "sheyin.api",
    "sheyin.dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sheyin.common.memo.MemoMiddleware",
    "sheyin.common.middleware.ResponseRulesMiddleware",
    "sheyin.common.db_routing.ReplicaPinningMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sheyin.accounts.middleware.LegacySessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Chinese unless chosen otherwise by the switch; never the browser's Accept-Language.
    "sheyin.accounts.language.LanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "sheyin.audit.context.AuditContextMiddleware",
    "sheyin.accounts.middleware.AccountStateMiddleware",
    "sheyin.staffing.middleware.StaffGrantMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "sheyin.common.access.AccessRuleMiddleware",
    "sheyin.common.middleware.ListQueryMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sheyin.common.context_processors.shell",
            ],
            # Faster `{% url %}` and `|date` for list rows, same output (sheyin/common/templatetags/fast_builtins.py).
            "builtins": ["sheyin.common.templatetags.fast_builtins"],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and the writer work at the same time; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False


def _prepared_statements(database: dict) -> None:
    """PostgreSQL plans a statement once per connection and reuses the plan (decision 0131).

    Planning a query on the monthly-partitioned case and audit tables costs more than running it
    (2-3 ms against 0.5-1.5 ms for a list page's queries): with server-side binding psycopg prepares a
    statement once a connection has run it twice. `SHEYIN_DB_PREPARE_THRESHOLD=off` turns it off, for a
    transaction-pooling PgBouncer that cannot keep prepared statements.
    """
    if database["ENGINE"] != "django.db.backends.postgresql":
        return
    threshold = env.str("SHEYIN_DB_PREPARE_THRESHOLD", default="2")
    options = database.setdefault("OPTIONS", {})
    if threshold.lower() in ("off", "none", ""):
        return
    options.update(server_side_binding=True, prepare_threshold=int(threshold))


_prepared_statements(DATABASES["default"])
# A streaming read replica (docs/operations.md, docs/decisions/0122-reads-that-may-lag.md): only reads that may
# lag use it (sheyin.common.db_routing); it is skipped while down or more than MAX_LAG seconds behind.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["OPTIONS"] = {
        "connect_timeout": env.int("SHEYIN_REPLICA_CONNECT_TIMEOUT", default=2)
    }
    _prepared_statements(DATABASES["replica"])
DATABASE_ROUTERS = ["sheyin.common.db_routing.ReplicaRouter"]
SHEYIN_REPLICA_PIN_SECONDS = env.int("SHEYIN_REPLICA_PIN_SECONDS", default=15)
SHEYIN_REPLICA_MAX_LAG_SECONDS = env.float("SHEYIN_REPLICA_MAX_LAG_SECONDS", default=10.0)
SHEYIN_REPLICA_CHECK_SECONDS = env.float("SHEYIN_REPLICA_CHECK_SECONDS", default=5.0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("SHEYIN_CACHE_URL", default="locmemcache://")}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "sheyin.accounts.backends.AccountBackend",  # password and session; sessions naming Django's
    "sheyin.accounts.backends.RoleBackend",  # ModelBackend stay valid (accounts.middleware)
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "sheyin.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("SHEYIN_PASSWORD_MIN_LENGTH", default=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "sheyin.accounts.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "sheyin.accounts.passwords.HistoryValidator", "OPTIONS": {"remember": 5}},
]
SHEYIN_PASSWORD_MAX_AGE_DAYS = env.int("SHEYIN_PASSWORD_MAX_AGE_DAYS", default=90)
# Two factors (TOTP) for the roles in SHEYIN_2FA_ROLES (等保 level 3). Off by default only in demo mode,
# so that the published demo accounts can be tried; anyone who enrols a device is always asked for it.
SHEYIN_REQUIRE_2FA = env.bool("SHEYIN_REQUIRE_2FA", default=not DEMO_MODE)
# Roles that must use a second factor (TOTP) when SHEYIN_REQUIRE_2FA is on: by default every role, since
# every role reaches personal data (rosters, cases, ratings) or the accounts that do.
SHEYIN_2FA_ROLES = env.list(
    "SHEYIN_2FA_ROLES",
    default=[
        "municipal_admin", "municipal_officer", "district_admin", "district_officer", "district_inspector",
        "bank_admin", "outlet_manager", "outlet_staff", "system_admin", "security_admin", "audit_admin",
    ],
)  # fmt: skip
OTP_TOTP_ISSUER = "社银合作管理平台"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboards:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# 等保 level 3: lock after 5 failures for 10 minutes, by user name (and address).
AXES_FAILURE_LIMIT = env.int("SHEYIN_LOCK_FAILURES", default=5)
AXES_COOLOFF_TIME = env.float("SHEYIN_LOCK_MINUTES", default=10) / 60
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False

# Staff sessions end after 10 idle minutes: the cookie is renewed on every request.
SESSION_COOKIE_AGE = env.int("SHEYIN_IDLE_SECONDS", default=600)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# No script reads the language choice: the cookie is HttpOnly like every other (production adds Secure).
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Each app keeps its own catalogue in <app>/locale (shared templates live in sheyin/common).
LOCALE_PATHS: list[Path] = []

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "sheyin" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = env.path("SHEYIN_MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media-protected/"  # never served directly: files go through permission-checked views
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# A list export of more rows than this is written by a background job (progress, then a download) rather
# than in the request: at about half a millisecond a row, 500 rows keep the request near 300 ms.
SHEYIN_EXPORT_JOB_ROWS = env.int("SHEYIN_EXPORT_JOB_ROWS", default=500)
# A finished export job's file is deleted this many days after it was written (nightly, short queue).
SHEYIN_EXPORT_KEEP_DAYS = env.int("SHEYIN_EXPORT_KEEP_DAYS", default=7)

# Strict CSP: no inline script or style anywhere; every asset from this server.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Personal data: SM4-GCM encryption key and HMAC-SM3 blind-index key (hex, 16 and 32 bytes), checked at
# start against the stored data (sheyin.common.keys); changed only with `manage.py rotate_keys`.
SHEYIN_DATA_KEY = env.str("SHEYIN_DATA_KEY", default=BUILTIN_DATA_KEY if DEMO_MODE else "")
SHEYIN_INDEX_KEY = env.str("SHEYIN_INDEX_KEY", default=BUILTIN_INDEX_KEY if DEMO_MODE else "")

# Notification senders (e-mail, SMS): pluggable; the default only logs, without personal data. Activation
# codes go out through them too; in demo mode (no gateway) they land in the owner's own message list.
SHEYIN_NOTIFICATION_SENDERS = env.list(
    "SHEYIN_NOTIFICATION_SENDERS",
    default=["sheyin.notifications.senders.LogSender"]
    + (["sheyin.notifications.senders.DemoInboxSender"] if DEMO_MODE else []),
)
# An activation code (new account, password reset) is valid this long, and void after this many wrong tries.
SHEYIN_ACTIVATION_HOURS = env.int("SHEYIN_ACTIVATION_HOURS", default=24)
SHEYIN_ACTIVATION_MAX_FAILURES = 5

VAR_DIR = env.path("SHEYIN_VAR_DIR", default=BASE_DIR / "var")
Path(VAR_DIR).mkdir(parents=True, exist_ok=True)
HUEY = {
    "huey_class": "huey.SqliteHuey",
    "name": "sheyin",
    "filename": str(Path(VAR_DIR) / "huey.sqlite3"),
    "immediate": env.bool("SHEYIN_HUEY_IMMEDIATE", default=False),
}
# Long jobs (site recommendations) on their own queue and worker (`manage.py run_huey_long`), so audit
# sealing and reminders on the short queue never wait behind them (docs/decisions/0125-long-jobs-queue-and-heartbeat.md).
HUEY_LONG = {
    "huey_class": "huey.SqliteHuey",
    "name": "sheyin-long",
    "filename": str(Path(VAR_DIR) / "huey-long.sqlite3"),
    "immediate": env.bool("SHEYIN_HUEY_IMMEDIATE", default=False),
}
if env.str("REDIS_URL", default=""):
    HUEY = {"huey_class": "huey.RedisHuey", "name": "sheyin", "url": env.str("REDIS_URL"), "immediate": False}
    HUEY_LONG = {
        "huey_class": "huey.RedisHuey",
        "name": "sheyin-long",
        "url": env.str("REDIS_URL"),
        "immediate": False,
    }
# A running long job writes a heartbeat this often; one silent for longer than the limit is failed
# by the stale-job sweep (every minute, on the short queue) and may be cancelled at once.
SHEYIN_JOB_HEARTBEAT_S = env.float("SHEYIN_JOB_HEARTBEAT_S", default=5.0)
SHEYIN_JOB_STALE_S = env.float("SHEYIN_JOB_STALE_S", default=60.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("SHEYIN_LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Forwarded client addresses (X-Real-IP, X-Forwarded-For) are believed only from these proxies (addresses
# or CIDR networks), e.g. SHEYIN_TRUSTED_PROXIES=127.0.0.1 when nginx runs on the same host.
SHEYIN_TRUSTED_PROXIES = env.list("SHEYIN_TRUSTED_PROXIES", default=[])
AXES_CLIENT_IP_CALLABLE = "sheyin.common.net.client_address"

# API rate limits per minute (docs/api.md): personal tokens, public callers (per address), every call of
# one address before authentication, failed authentications per address and per presented credential.
SHEYIN_API_TOKEN_RATE_PER_MINUTE = env.int("SHEYIN_API_TOKEN_RATE_PER_MINUTE", default=120)
SHEYIN_API_PUBLIC_RATE_PER_MINUTE = env.int("SHEYIN_API_PUBLIC_RATE_PER_MINUTE", default=120)
SHEYIN_API_ADDRESS_RATE_PER_MINUTE = env.int("SHEYIN_API_ADDRESS_RATE_PER_MINUTE", default=1200)
SHEYIN_API_AUTH_FAILURES_PER_MINUTE = env.int("SHEYIN_API_AUTH_FAILURES_PER_MINUTE", default=10)

# Lock-out is by account (等保: the account is locked), not by address: a bank's whole network sits behind
# one NAT address, and locking it would stop every outlet of that bank.
# models.W040: covering indexes (INCLUDE) are for PostgreSQL at scale; on the embedded SQLite default they are
# plain indexes, which is all it needs.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040"]

# PDFs embed a Simplified-Chinese TrueType font (subset); see docs/decisions/0003-pdf-cjk-font.md.
SHEYIN_PDF_FONT = env.str("SHEYIN_PDF_FONT", default="/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
# Uploads (scans, floor plans, photos, evidence): allowed types and the size limit.
SHEYIN_UPLOAD_MAX_BYTES = env.int("SHEYIN_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)

# Links printed on paper or sent out (plaque QR codes, receipts, rights-record printouts, certificates)
# use this public address, never the host of the browser that asked (sheyin.common.links.public_url).
SHEYIN_PUBLIC_BASE_URL = env.str("SHEYIN_PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
