"""The one settings module. Everything that differs between machines comes from the environment.

With nothing set it runs on an embedded default (SQLite under var/, tasks in-process, local-memory
cache) so a newcomer needs no services; DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
"""

from __future__ import annotations

from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import (
    check_redis_url,
    env_bool,
    env_dict,
    env_int,
    env_list,
    env_str,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "django_htmx",
    "import_export",
    "csp",
    # floor 0
    "core",
    "civilization_stations",
    "accounts",
    # floor 1 and up
    "volunteers",  # floor 1
    "organizations",  # floor 2
    "projects",  # floor 3
    "hours",  # floor 4
    "attendance",  # floor 4, above the ledger: check-in/out writes hours through it
    "certificates",  # floor 4, above the ledger: certificates read it
    "orders",  # floor 5
    "dashboard",  # floor 5
    "imports",  # floor 5
    "campaigns",  # floor 5: campaigns, service sites, people served, benefits
    "demo",  # top: demo data across all apps
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database outage during a view: the Chinese 503 page, not a 500 (core/middleware.py).
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.reject_nul_characters",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "volunteer_hub.urls"
WSGI_APPLICATION = "volunteer_hub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.roles",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": parse_database_url("DATABASE_URL", DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {"timeout": 20},
        }
    }
USING_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
# Database restarts: connections live CONN_MAX_AGE=60 s and are health-checked before reuse
# (CONN_HEALTH_CHECKS, set in env.parse_database_url), so one broken by a restart is replaced at
# the next request; a request caught by the outage gets the 503 page
# (core.middleware.DatabaseUnavailableMiddleware). A server that does not answer at all is given
# up after DATABASE_CONNECT_TIMEOUT seconds instead of the operating system's minutes.
if USING_POSTGRES:
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)
    )
# Dashboard reads (summary tables only) go to a read replica when one is configured
# (volunteer_hub/db_router.py); in tests the alias mirrors the default database.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = parse_database_url("DATABASE_REPLICA_URL", DATABASE_REPLICA_URL)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DASHBOARD_READ_DATABASE = "replica" if DATABASE_REPLICA_URL else None
DATABASE_ROUTERS = ["volunteer_hub.db_router.DashboardReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Set by CI: a test that needs PostgreSQL, Redis or a worker fails instead of skipping.
REQUIRE_SERVICES = env_bool("REQUIRE_SERVICES", False)

# --- Cache and tasks ------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    check_redis_url("REDIS_URL", REDIS_URL)
    # Redis down: the cache answers from process memory (a miss at first) instead of raising,
    # logs a warning, and tries Redis again every RETRY_AFTER seconds (core/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "vh"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2, "RETRY_AFTER": 5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Results in Redis, but a process subscribes to a result only when it waits for it: web
# processes never do, so a Redis outage cannot stall their requests (core/celery_backend.py).
CELERY_RESULT_BACKEND = f"core.celery_backend:LazyRedisBackend+{REDIS_URL}" if REDIS_URL else None
# Without a broker, tasks run in-process at once (the embedded default for `make run`).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60, minimum=1)
CELERY_TASK_ACKS_LATE = True  # a killed worker's task is redelivered; tasks are idempotent
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Apps add their periodic tasks here (the beat schedule lives in settings, not in code).
CELERY_BEAT_SCHEDULE: dict = {
    "core-heartbeat": {"task": "core.tasks.heartbeat", "schedule": crontab(minute="*/5")},
    # Tasks whose broker was down when they were sent wait in the outbox (core/outbox.py).
    "core-relay-outbox": {"task": "core.tasks.relay_outbox", "schedule": 30.0},
    # Volunteers who forgot to check out: checked out at the scheduled end once the check-out
    # window closes, their record left pending for review (claimed once each).
    "attendance-close-forgotten": {
        "task": "attendance.tasks.close_forgotten",
        "schedule": crontab(minute="*/10"),
    },
    # Service orders nobody took before their expiry time (ORDER_EXPIRY_HOURS) become expired.
    "orders-expire": {"task": "orders.tasks.expire_orders", "schedule": crontab(minute="*/15")},
    # Statistics: re-aggregate the rollup buckets the ledger touched (dashboard/rollup.py).
    "dashboard-rollup": {
        "task": "dashboard.tasks.rollup_incremental",
        "schedule": crontab(minute="*/5"),
    },
    # And a full rebuild at night: it re-lays the base summaries month by month (their BRIN
    # index stays tight after a day of incremental writes) and is the safety net of the deltas.
    "dashboard-rollup-full": {
        "task": "dashboard.tasks.rollup_full",
        "schedule": crontab(minute=40, hour=3),
    },
    # Recorders of activities whose records are past the 10-working-day deadline: once each.
    "hours-overdue-reminders": {
        "task": "hours.tasks.remind_overdue_records",
        "schedule": crontab(minute=30, hour=9),
    },
    # Hourly in the daytime so late sign-ups for tomorrow are reminded too; sent once each.
    "projects-reminders": {
        "task": "projects.tasks.send_reminders",
        "schedule": crontab(minute=0, hour="8-20"),
    },
    # Campaign figures: recompute campaigns whose enrolled projects changed (campaigns/rollup.py).
    "campaigns-rollup": {
        "task": "campaigns.tasks.rollup_campaigns",
        "schedule": crontab(minute="*/10"),
    },
}

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
# A new account goes straight on to real-name registration (volunteers app).
ACCOUNT_SIGNUP_REDIRECT_URL = "volunteers:register"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"phone", "email"}
ACCOUNT_SIGNUP_FIELDS = ["phone*", "email*", "password1*", "password2*"]
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
# No SMS gateway is wired yet: the mobile number is checked for format and uniqueness, and the
# email address is what gets verified (set ACCOUNT_EMAIL_VERIFICATION=mandatory to require it).
ACCOUNT_PHONE_VERIFICATION_ENABLED = False
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "optional")
if ACCOUNT_EMAIL_VERIFICATION not in {"none", "optional", "mandatory"}:
    raise ImproperlyConfigured("ACCOUNT_EMAIL_VERIFICATION must be none, optional or mandatory.")
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    "login": env_str("RATE_LIMIT_LOGIN", "30/m/ip"),
    "login_failed": env_str("RATE_LIMIT_LOGIN_FAILED", "10/m/ip,5/5m/key"),
    "signup": env_str("RATE_LIMIT_SIGNUP", "20/m/ip"),
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}

# --- Rate limits (core.ratelimit) ------------------------------------------------------------
# Replace a limit without touching code: "<scope>:ip" or "<scope>:key" = rate, comma-separated,
# e.g. for a load test where every simulated user comes from 127.0.0.1
# RATE_LIMIT_OVERRIDES="attendance.code:ip=100000/15m,orders.place:ip=100000/h".
# Checked at start-up (core.apps); production sets none.
RATE_LIMIT_OVERRIDES = env_dict("RATE_LIMIT_OVERRIDES", {})

# --- Service orders (orders/) ---------------------------------------------------------------
# An order nobody has taken expires this many hours after it was placed (or at the end of the
# wanted time window, if sooner). Placing is limited per mobile number and per client IP
# (core.ratelimit rates: "3/d" = 3 a day, "10/h" = 10 an hour).
ORDER_EXPIRY_HOURS = env_int("ORDER_EXPIRY_HOURS", 72, minimum=1)
ORDER_RATE_LIMIT_PER_PHONE = env_str("ORDER_RATE_LIMIT_PER_PHONE", "3/d")
ORDER_RATE_LIMIT_PER_IP = env_str("ORDER_RATE_LIMIT_PER_IP", "10/h")

# --- Personal data (DOMAIN.md §5) ------------------------------------------------------------
# Document numbers are encrypted with Fernet (first key encrypts; all keys decrypt, for rotation)
# and hashed with HMAC-SHA256 under a separate key for the uniqueness check.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
DOCUMENT_HASH_KEY = env_str("DOCUMENT_HASH_KEY")
if not FIELD_ENCRYPTION_KEYS or not DOCUMENT_HASH_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS and DOCUMENT_HASH_KEY must be set when DEBUG is off."
        )
    # Development only: fixed keys so a fresh checkout runs. Never used with DEBUG off.
    FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or [
        "ZGV2LW9ubHktZmllbGQta2V5LTAxMjM0NTY3ODlhYmM="
    ]
    DOCUMENT_HASH_KEY = DOCUMENT_HASH_KEY or "dev-only-document-hash-key"

# --- Mail -----------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "志愿服务平台 <noreply@volunteer-hub.local>")

# --- Internationalisation -------------------------------------------------------------------
# Source strings are written in Simplified Chinese, the platform's primary language, and marked
# for translation; locale/en holds the English catalogue.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Content-Security-Policy (django-csp): our own origin only and no inline scripts or styles, so an
# injected <script> or style= attribute does nothing. JS lives in static/js/, htmx is told not to
# inject its indicator <style> (meta htmx-config in base.html; the CSS is in app.css).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
