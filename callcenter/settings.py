"""Settings for the call-center monitor.

One flat module that reads the environment (and an optional `.env` file). Every variable is
documented in `.env.example`. With `DEBUG=true` and nothing else set, the product runs on embedded
defaults: SQLite and a file-system Celery broker under `var/`, and secrets generated into `var/`.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)


def _embedded_secret(name: str, filename: str, generate) -> str:
    """Read a secret from the environment; in DEBUG, fall back to one kept under var/."""
    value = env.str(name, default="")
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(
            f"{name} is not set. It is required when DEBUG is off: put it in the environment "
            f"or the .env file (see .env.example for how to generate one)."
        )
    path = VAR_DIR / filename
    if not path.exists():
        path.write_text(generate())
        path.chmod(0o600)
    return path.read_text().strip()


def _new_secret_key() -> str:
    from django.core.management.utils import get_random_secret_key

    return get_random_secret_key()


def _new_fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


SECRET_KEY = _embedded_secret("SECRET_KEY", "secret_key", _new_secret_key)
# Several comma-separated keys rotate: the first encrypts, any of them decrypts (see README).
FIELD_ENCRYPTION_KEY = [
    key.strip()
    for key in _embedded_secret(
        "FIELD_ENCRYPTION_KEY", "field_encryption_key", _new_fernet_key
    ).split(",")
    if key.strip()
]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "accounts.admin_site.CallCenterAdminConfig",  # Django's admin, opened to administrators
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "encrypted_model_fields",
    "accounts.axes_config.SignInProtectionConfig",  # django-axes
    "callcenter",
    "accounts",
    "providers",
    "monitoring",
    "alerts",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page requires a signed-in user unless its view says otherwise.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.CurrentUserMiddleware",
    "accounts.middleware.RoleRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a lockout into our lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "callcenter.urls"
WSGI_APPLICATION = "callcenter.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "callcenter.context_processors.product",
                "accounts.context_processors.pages_allowed",
                "monitoring.context_processors.pbx_banners",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise (PostgreSQL through psycopg 3).
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and immediate transactions let the web server and the worker write side by side.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # Each connection's sort and hash memory: at PostgreSQL's 4 MB a year of rollup rows sorts on
    # disk and the heatmap takes twice as long on a larger history. No JIT: compiling costs the
    # period pages more than it saves on queries of a fraction of a second.
    session = (
        f"-c work_mem={env.str('DATABASE_WORK_MEM', default='16MB')} "
        f"-c jit={'on' if env.bool('DATABASE_JIT', default=False) else 'off'}"
    )
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} {session}".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: the Celery broker and the cache. Without it, a file-system broker and cache under var/.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # First: refuses sign-in after repeated failures (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("LOGIN_THROTTLING", default=True)
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
# Per user name and address, and per address across names (accounts.throttle).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], ["ip_address"]]
AXES_HANDLER = "accounts.throttle.ThrottleHandler"
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_address"
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
# How many proxies of ours stand in front of the web server (a TLS proxy: 1). Their
# X-Forwarded-For then names the client; with 0 the header is ignored, as anyone can send it.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.locked_out"
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)

# Languages: Uzbek (Latin) first, then Russian and English.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="uz")
LANGUAGES = [("uz", "O'zbekcha"), ("ru", "Русский"), ("en", "English")]
# The product's own catalogues first, then its corrections of Django's and django-axes' (kept
# apart because makemessages would drop them); both take precedence over the packages' own.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_overrides"]
USE_I18N = True

# Times are stored in UTC and shown in the configured zone.
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Tashkent")
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
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

# Security. Production (DEBUG off) defaults to HTTPS-only cookies and HSTS; a deployment behind a
# TLS-terminating proxy sets SECURE_PROXY_SSL_HEADER through USE_X_FORWARDED_PROTO.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Only our own scripts run: no inline scripts, no CDN, no framing.
CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; media-src 'self'; connect-src 'self'; font-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Celery: Redis when REDIS_URL is set, else kombu's file-system transport (no server needed).
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcast (pidbox) exchanges; kombu's default is a "control" folder in the working
        # directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# "Sync now" must answer quickly when the broker is down, not hang on retries.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# The sync with Kerio Operator.
SYNC_INTERVAL_SECONDS = env.int("SYNC_INTERVAL_SECONDS", default=60)
LIVE_POLL_SECONDS = env.int("LIVE_POLL_SECONDS", default=3)
SYNC_PAGE_SIZE = env.int("SYNC_PAGE_SIZE", default=500)
# On PostgreSQL, a long run stores its pages over this many database connections at once.
SYNC_WRITERS = env.int("SYNC_WRITERS", default=2)
# Kerio writes a call into its history when it ends, stamped with its start: each run reads back
# at least this far so a call that was still in progress at the last run is not missed.
SYNC_LONGEST_CALL_SECONDS = env.int("SYNC_LONGEST_CALL_SECONDS", default=4 * 60 * 60)
# Slack for the difference between our clock and the PBX's.
SYNC_CLOCK_SKEW_SECONDS = env.int("SYNC_CLOCK_SKEW_SECONDS", default=300)
SYNC_TIME_LIMIT_SECONDS = env.int("SYNC_TIME_LIMIT_SECONDS", default=30 * 60)
# A run holds its PBX for this long at a time, renewed while its process lives: a run whose
# worker was killed frees the PBX for the next scheduled sync within this time.
SYNC_LOCK_LEASE_SECONDS = env.int("SYNC_LOCK_LEASE_SECONDS", default=30)
# A recording belongs to a call when it started within this many seconds of the call's start
# or of its answer (Kerio does not say which one STARTED is).
RECORDING_MATCH_SECONDS = env.int("RECORDING_MATCH_SECONDS", default=5)
# After repeated failures the schedule waits longer and longer before trying a PBX again
# (2, 4, 8… sync intervals), at most this long. "Sync now" does not wait.
SYNC_BACKOFF_MAX_SECONDS = env.int("SYNC_BACKOFF_MAX_SECONDS", default=15 * 60)
# PBX calls made while a page is served (recording lookups, the connection check): each call's
# timeout, the whole lookup's budget, how many pages may wait on one PBX at once, and how long a
# PBX that timed out is answered "slow" without being asked (see providers.page_calls).
PBX_PAGE_TIMEOUT_SECONDS = env.int("PBX_PAGE_TIMEOUT_SECONDS", default=4)
PBX_PAGE_BUDGET_SECONDS = env.int("PBX_PAGE_BUDGET_SECONDS", default=8)
PBX_PAGE_CALLS = env.int("PBX_PAGE_CALLS", default=2)
PBX_SLOW_SECONDS = env.int("PBX_SLOW_SECONDS", default=30)
# An XLSX export of more calls than this is written by the worker, with a progress bar; the file
# is kept for its requester this many hours.
EXPORT_INLINE_ROWS = env.int("EXPORT_INLINE_ROWS", default=5000)
EXPORT_KEEP_HOURS = env.int("EXPORT_KEEP_HOURS", default=24)
EXPORT_TIME_LIMIT_SECONDS = env.int("EXPORT_TIME_LIMIT_SECONDS", default=60 * 60)
# Calls older than this many months may be deleted by `manage.py purge_calls`; 0 keeps them all.
CALL_RETENTION_MONTHS = env.int("CALL_RETENTION_MONTHS", default=0)
# Inbound calls answered within this many seconds count toward the service level.
SERVICE_LEVEL_SECONDS = env.int("SERVICE_LEVEL_SECONDS", default=20)
# Missed numbers called back within this many minutes count toward the callback service level.
CALLBACK_SERVICE_LEVEL_MINUTES = env.int("CALLBACK_SERVICE_LEVEL_MINUTES", default=15)
# The callback clock counts working hours only (a call missed at night starts it at the next
# opening); false counts the wall clock from the missed call.
CALLBACK_BUSINESS_HOURS_ONLY = env.bool("CALLBACK_BUSINESS_HOURS_ONLY", default=True)
# How often the callbacks page refreshes itself.
CALLBACKS_REFRESH_SECONDS = env.int("CALLBACKS_REFRESH_SECONDS", default=10)
# A sync that stored calls of at most this many numbers updates their callbacks itself; a larger
# one (a first or full sync) leaves the work to a background task.
CALLBACKS_INLINE_NUMBERS = env.int("CALLBACKS_INLINE_NUMBERS", default=2000)

# Notifications (alerts): the Telegram Bot API's base URL (an office behind a relay points it
# elsewhere), the mail server, and how many times a message is tried before it counts as failed.
TELEGRAM_API_URL = env.str("TELEGRAM_API_URL", default="https://api.telegram.org")
_email = env.email_url("EMAIL_URL", default="smtp://localhost:25")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="callcenter@localhost")
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=20)
NOTIFICATION_RULES_SECONDS = env.int("NOTIFICATION_RULES_SECONDS", default=60)
TELEGRAM_POLL_SECONDS = env.int("TELEGRAM_POLL_SECONDS", default=10)
# At most this many Telegram messages a minute to one chat; the rest wait (0: no limit).
TELEGRAM_CHAT_MESSAGES_PER_MINUTE = env.int("TELEGRAM_CHAT_MESSAGES_PER_MINUTE", default=20)
# The site's public address, for links in messages ("Open"); empty: no links.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")
# A digest the worker could not send at its time is still sent this many hours later, not after.
DIGEST_CATCH_UP_HOURS = env.int("DIGEST_CATCH_UP_HOURS", default=3)
# How often the worker looks whether a digest is due.
DIGEST_CHECK_SECONDS = env.int("DIGEST_CHECK_SECONDS", default=60)
# A digest e-mail attaches its period's calls as XLSX up to this many; more are left out.
DIGEST_ATTACHMENT_MAX_ROWS = env.int("DIGEST_ATTACHMENT_MAX_ROWS", default=20000)

# The JSON API: requests a token may make per minute (0: no limit).
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=120)

CELERY_BEAT_SCHEDULE = {
    "sync-all-pbx": {
        "task": "monitoring.tasks.sync_all",
        "schedule": SYNC_INTERVAL_SECONDS,
        "options": {"expires": max(SYNC_INTERVAL_SECONDS - 1, 1)},
    },
    "poll-live-calls": {
        "task": "monitoring.tasks.poll_live_calls",
        "schedule": LIVE_POLL_SECONDS,
        "options": {"expires": max(LIVE_POLL_SECONDS - 1, 1)},
    },
    "expire-exports": {
        "task": "monitoring.tasks.expire_exports",
        "schedule": 60 * 60,
        "options": {"expires": 60 * 60 - 1},
    },
    "notification-rules": {
        "task": "alerts.tasks.evaluate_rules",
        "schedule": NOTIFICATION_RULES_SECONDS,
        "options": {"expires": max(NOTIFICATION_RULES_SECONDS - 1, 1)},
    },
    "notification-outbox": {
        "task": "alerts.tasks.deliver_due",
        "schedule": 30,
        "options": {"expires": 29},
    },
    "notification-digests": {
        "task": "alerts.tasks.send_digests",
        "schedule": DIGEST_CHECK_SECONDS,
        "options": {"expires": max(DIGEST_CHECK_SECONDS - 1, 1)},
    },
    "telegram-updates": {
        "task": "alerts.tasks.read_telegram",
        "schedule": TELEGRAM_POLL_SECONDS,
        "options": {"expires": max(TELEGRAM_POLL_SECONDS - 1, 1)},
    },
    "worker-heartbeat": {
        "task": "monitoring.tasks.heartbeat",
        "schedule": 30,
        "options": {"expires": 29},
    },
}

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FILE = env.str("LOG_FILE", default=str(VAR_DIR / "callcenter.log"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        **(
            {
                "file": {
                    "class": "logging.handlers.RotatingFileHandler",
                    "filename": LOG_FILE,
                    "maxBytes": 10 * 1024 * 1024,
                    "backupCount": 5,
                    "formatter": "plain",
                }
            }
            if LOG_FILE
            else {}
        ),
    },
    "root": {"handlers": ["console", *(["file"] if LOG_FILE else [])], "level": LOG_LEVEL},
    # Live calls are polled every few seconds: Celery's per-task lines would drown the log.
    "loggers": {
        **{
            name: {"level": env.str("CELERY_LOG_LEVEL", default="WARNING")}
            for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat")
        },
        # At DEBUG it logs each request's path, and the Telegram Bot API's carries the bot token.
        "urllib3.connectionpool": {"level": "INFO"},
    },
}
# The worker logs through the settings above, into the same console and file as the web server.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
